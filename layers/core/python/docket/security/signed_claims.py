"""Small signed, expiring statements the server hands out and reads back (MFA challenges, CSRF).

`<base64url(json)>.<hmac>`: tamper-evident (HMAC-SHA256 under a per-purpose derived key) but not
secret, so nothing confidential goes in. Each purpose has its own key, so a statement made for one
purpose never verifies for another.
"""

from __future__ import annotations

import json
from typing import Any

from docket import clock
from docket.security.signing import b64url, b64url_decode, sign, verify


def issue(purpose: str, claims: dict[str, Any], *, ttl_s: int | None = None) -> str:
    body = dict(claims)
    if ttl_s is not None:
        body["exp"] = clock.epoch() + ttl_s
    payload = b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{sign(purpose, payload.encode())}"


def read(purpose: str, token: str) -> dict[str, Any] | None:
    """The claims, or None when the token is malformed, forged, for another purpose or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not verify(purpose, payload.encode(), signature):
        return None
    try:
        claims = json.loads(b64url_decode(payload))
    except ValueError:
        return None
    if not isinstance(claims, dict):
        return None
    expires = claims.get("exp")
    if expires is not None and (not isinstance(expires, int) or expires < clock.epoch()):
        return None
    return claims
