"""The token signing key set (RS256), kept in Secrets Manager.

Secret shape: `{"activeKid": "...", "keys": [{"kid", "privatePem", "createdAt"}]}`. The active key
signs; every key in the set verifies and is published in the JWKS, so a rotated-out key keeps
verifying the tokens it signed until they expire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from docket import clock
from docket.ids import new_id
from docket.security.secrets import secret_json


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class KeySet:
    active_kid: str
    keys: tuple[SigningKey, ...]

    @property
    def active(self) -> SigningKey:
        return self.find(self.active_kid)

    def find(self, kid: str) -> SigningKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise KeyError(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}


def load_key_set(secret_id: str) -> KeySet:
    raw = secret_json(secret_id)
    keys = tuple(SigningKey(kid=k["kid"], private_pem=k["privatePem"]) for k in raw["keys"])
    return KeySet(active_kid=raw["activeKid"], keys=keys)


def new_key_entry() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {"kid": new_id("key"), "privatePem": pem, "createdAt": clock.iso()}


def generate_key_set_json() -> str:
    """A fresh key set with one active key (local bootstrap; rotation adds entries)."""
    entry = new_key_entry()
    return json.dumps({"activeKid": entry["kid"], "keys": [entry]})
