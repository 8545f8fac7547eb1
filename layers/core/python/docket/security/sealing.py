"""Sealing small secrets at rest (MFA seeds): AES-256-GCM with a key derived from the app secret.

What must be read back (a TOTP seed) cannot be hashed; it is sealed instead, so a table export
alone does not reveal it.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from docket.security.signing import b64url, b64url_decode, derived_key


def seal(purpose: str, plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(derived_key(f"seal:{purpose}")).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"v1.{b64url(nonce)}.{b64url(sealed)}"


def unseal(purpose: str, token: str) -> str:
    version, nonce, sealed = token.split(".", 2)
    if version != "v1":
        raise ValueError("unknown sealing version")
    plaintext = AESGCM(derived_key(f"seal:{purpose}")).decrypt(
        b64url_decode(nonce), b64url_decode(sealed), purpose.encode()
    )
    return plaintext.decode()
