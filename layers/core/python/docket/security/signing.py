"""HMAC signatures with the app secret, one derived key per purpose (cursors, CSRF, …)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from docket.security.secrets import secret_string
from docket.settings import get_settings


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from the app secret (HMAC-SHA256 as a KDF)."""
    root = secret_string(get_settings().app_secret_id).encode()
    return hmac.new(root, purpose.encode(), hashlib.sha256).digest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(purpose: str, message: bytes) -> str:
    return b64url(hmac.new(derived_key(purpose), message, hashlib.sha256).digest())


def verify(purpose: str, message: bytes, signature: str) -> bool:
    # bytes, not str: `compare_digest` raises TypeError on a non-ASCII str, and signatures come
    # from callers (a cursor, a challenge token), so anything may arrive here
    return hmac.compare_digest(sign(purpose, message).encode(), signature.encode("utf-8", "surrogatepass"))
