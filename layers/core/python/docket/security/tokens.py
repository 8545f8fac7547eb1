"""Docket access tokens: RS256 JWTs with Cognito-shaped claims.

`issue_access_token` signs with the active key; `verify_access_token` pins RS256, requires the
configured issuer, `token_use=access`, `exp`/`iat`, and a known `kid` (an unknown one reloads the
key set first, at most every 30 s: a key rotated in since the cache was filled is accepted at once).
The identity work adds sessions, refresh tokens and trusted external issuers on top of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jwt

from docket import clock
from docket.errors import AuthenticationFailed
from docket.ids import new_id
from docket.security.keys import KeySet, load_key_set, verification_key
from docket.settings import get_settings

ACCESS_TOKEN_TTL_S = 15 * 60
CLIENT_ID = "docket-api"
_LEEWAY_S = 30
#: the claim of a platform administrator's token, which carries no `custom:org_id` (no firm)
PLATFORM_ROLE_CLAIM = "custom:platform_role"
PLATFORM_ADMIN = "admin"
#: the role (`cognito:groups`) of a platform administrator's session: no firm role has this name
PLATFORM_ADMIN_ROLE = "platform-admin"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    org_id: str
    email: str = ""
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    session_id: str = ""
    #: `admin` for a platform administrator's session (then `org_id` is empty)
    platform_role: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _key_set() -> KeySet:
    return load_key_set(get_settings().signing_key_secret_id)


def issue_access_token(claims: TokenClaims, *, ttl_s: int = ACCESS_TOKEN_TTL_S) -> str:
    settings = get_settings()
    key = _key_set().signer(clock.now())
    issued = clock.epoch()
    payload: dict[str, Any] = {
        "sub": claims.user_id,
        "iss": settings.token_issuer,
        "token_use": "access",
        "client_id": CLIENT_ID,
        "scope": " ".join(claims.permissions),
        "username": claims.email or claims.user_id,
        "cognito:groups": list(claims.roles),
        "jti": new_id("tok"),
        "auth_time": issued,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
        **claims.extra,
    }
    if claims.platform_role:
        payload[PLATFORM_ROLE_CLAIM] = claims.platform_role
    else:
        payload["custom:org_id"] = claims.org_id
    if claims.session_id:
        payload["sid"] = claims.session_id
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def verify_access_token(token: str) -> dict[str, Any]:
    """The token's claims, or AuthenticationFailed for anything not exactly a valid access token."""
    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise AuthenticationFailed()
        key = verification_key(settings.signing_key_secret_id, kid)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=["RS256"],
            issuer=settings.token_issuer,
            leeway=_LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"]},
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise AuthenticationFailed() from exc
    if claims.get("token_use") != "access" or claims.get("client_id") != CLIENT_ID:
        raise AuthenticationFailed()
    platform = claims.get(PLATFORM_ROLE_CLAIM)
    if platform is not None:
        # a platform administrator's token names no firm, and a firm token no platform role
        if platform != PLATFORM_ADMIN or "custom:org_id" in claims:
            raise AuthenticationFailed()
    elif not isinstance(claims.get("custom:org_id"), str):
        raise AuthenticationFailed()
    return claims
