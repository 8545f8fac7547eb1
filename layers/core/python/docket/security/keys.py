"""The token signing key set (RS256), kept in Secrets Manager.

Secret shape: `{"activeKid": "...", "keys": [{"kid", "privatePem", "createdAt", "retiredAt"?}]}`.
The active key signs; every key in the set verifies and is published in the JWKS, so a rotated-out
key (one with `retiredAt`) keeps verifying the tokens it signed until they expire. A key new to the
set waits `SIGNING_DELAY` before it signs (its predecessor signs meanwhile), so every process has
reloaded the set, and every JWKS served publishes the key, before any token names it.
`docket/security/key_rotation.py` creates the set at deploy time and rotates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from docket import clock
from docket.ids import new_id
from docket.security.secrets import CACHE_TTL_S, reloaded_secret_string, secret_string

KEY_SIZE = 2048
#: An unknown `kid` makes the process read the key set again, at most this often (seconds).
RELOAD_AT_MOST_EVERY_S = 30
#: How long clients may cache `GET /.well-known/jwks.json` (its `Cache-Control: max-age`).
JWKS_MAX_AGE_S = 300
#: A rotated-in key signs only once every process's cached set has expired and every client's cached
#: JWKS (served from such a set) too, plus a margin.
SIGNING_DELAY = timedelta(seconds=CACHE_TTL_S + JWKS_MAX_AGE_S + 60)


class InvalidKeySet(ValueError):
    """The secret's value is not a usable key set."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    created_at: str = ""
    #: when another key took over signing; the key keeps verifying until it is pruned
    retired_at: str | None = None

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidKeySet(f"key {self.kid} is not an RSA key")
        return key

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def retired(self, at: str) -> SigningKey:
        return self if self.retired_at else replace(self, retired_at=at)

    def as_json(self) -> dict[str, str]:
        entry = {"kid": self.kid, "privatePem": self.private_pem, "createdAt": self.created_at}
        if self.retired_at:
            entry["retiredAt"] = self.retired_at
        return entry


def _age(stamp: str, now: datetime) -> timedelta:
    """How long ago `stamp` (ISO 8601) was; an unreadable stamp counts as long ago."""
    moment = clock.parse(stamp)
    return timedelta.max if moment is None else now - moment


def new_signing_key() -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SigningKey(kid=new_id("key"), private_pem=pem, created_at=clock.iso())


@dataclass(frozen=True)
class KeySet:
    active_kid: str
    keys: tuple[SigningKey, ...]

    @classmethod
    def fresh(cls) -> KeySet:
        """A new set of one active key: what a deployment starts with (and the local emulator)."""
        key = new_signing_key()
        return cls(active_kid=key.kid, keys=(key,))

    @property
    def active(self) -> SigningKey:
        return self.find(self.active_kid)

    def signer(self, now: datetime) -> SigningKey:
        """The key that signs at `now`: the active one, or its predecessor while the active one is
        younger than SIGNING_DELAY (a fresh deployment's only key signs at once)."""
        active = self.active
        predecessors = [key for key in self.keys if key.kid != active.kid and key.retired_at]
        if not predecessors or _age(active.created_at, now) >= SIGNING_DELAY:
            return active
        return max(predecessors, key=lambda key: key.retired_at or "")

    def find(self, kid: str) -> SigningKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise KeyError(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def to_json(self) -> str:
        return json.dumps({"activeKid": self.active_kid, "keys": [key.as_json() for key in self.keys]})

    def check(self) -> KeySet:
        """Every private key loads as RSA (`parse_key_set` checks the shape only); InvalidKeySet if not."""
        for key in self.keys:
            try:
                key.private_key  # noqa: B018 (loading is the check)
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise InvalidKeySet(f"key {key.kid} does not load: {exc}") from exc
        return self


@lru_cache(maxsize=8)
def parse_key_set(raw: str) -> KeySet:
    """The key set a secret string holds, or InvalidKeySet. Cached by value, so each key's PEM is
    parsed once per process however many tokens it signs or verifies."""
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise InvalidKeySet("not JSON") from exc
    if not isinstance(document, dict):
        raise InvalidKeySet("not a JSON object")
    entries, active = document.get("keys"), document.get("activeKid")
    if not isinstance(entries, list) or not entries or not isinstance(active, str):
        raise InvalidKeySet("needs activeKid and a non-empty keys list")
    keys: list[SigningKey] = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(name), str) and entry[name] for name in ("kid", "privatePem")
        ):
            raise InvalidKeySet("every key needs kid and privatePem")
        retired = entry.get("retiredAt")
        keys.append(
            SigningKey(
                kid=entry["kid"],
                private_pem=entry["privatePem"],
                created_at=str(entry.get("createdAt") or ""),
                retired_at=retired if isinstance(retired, str) and retired else None,
            )
        )
    kids = [key.kid for key in keys]
    if len(set(kids)) != len(kids):
        raise InvalidKeySet("duplicate kid")
    if active not in kids:
        raise InvalidKeySet("activeKid names no key of the set")
    return KeySet(active_kid=active, keys=tuple(keys))


def load_key_set(secret_id: str) -> KeySet:
    """The current key set (cached with the secret, 5 minutes)."""
    return parse_key_set(secret_string(secret_id))


def verification_key(secret_id: str, kid: str) -> SigningKey:
    """The key a token names, from the cached set; a `kid` the cached set does not know (a key
    rotated in since the cache was filled) reads the set again — at most every 30 s per process, so
    made-up kids cannot turn every request into a Secrets Manager call. KeyError if still unknown."""
    try:
        return load_key_set(secret_id).find(kid)
    except KeyError:
        reloaded = reloaded_secret_string(secret_id, at_most_every_s=RELOAD_AT_MOST_EVERY_S)
        if reloaded is None:
            raise
        return parse_key_set(reloaded).find(kid)
