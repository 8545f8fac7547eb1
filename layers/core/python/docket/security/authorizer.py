"""Who a request is from, for the API Gateway authorizer (REST and WebSocket `$connect`).

REST: `Authorization: Bearer <jwt>`, `X-API-Key`, or a browser's session cookie; no credentials
is a 401. WebSocket: `?token=<jwt>` on `$connect` and nothing else (browsers cannot set headers on
a WebSocket); API Gateway refuses a `$connect` without it before the authorizer runs (the token
is the authorizer's identity source, `topology.websocket_identity_sources()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import jwt

from docket.errors import AuthenticationFailed
from docket.security import browser, permissions
from docket.security.principal import Principal
from docket.security.tokens import (
    PLATFORM_ADMIN,
    PLATFORM_ADMIN_ROLE,
    PLATFORM_ROLE_CLAIM,
    verify_access_token,
)
from docket.topology import WEBSOCKET_TOKEN_PARAMETER


def _bearer(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed("Authorization must be a Bearer token")
            return token.strip()
    return None


def principal_from_token(token: str) -> Principal:
    """The caller of a verified access token, with what their membership grants now (read on every
    request, `docket.access.standing`): the token's `scope` is not what authorizes."""
    from docket.access import standing
    from docket.security import federation

    try:
        issuer = str(jwt.decode(token, options={"verify_signature": False}).get("iss") or "")
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed() from exc
    external = federation.trusted(issuer)
    if external is not None:
        return federation.principal(federation.verify(token, external))

    claims = verify_access_token(token)
    session_id = claims.get("sid")
    # every Docket access token belongs to a session; a revoked one is refused on the next call
    if not isinstance(session_id, str) or not session_id:
        raise AuthenticationFailed("Session is not active")
    if PLATFORM_ROLE_CLAIM in claims:
        return _platform_admin(claims, session_id)
    user_id, org_id = str(claims["sub"]), str(claims["custom:org_id"])
    # a firm token on a platform session fails here too: that session names no organization
    session, current = standing.of_session(session_id, user_id, org_id)
    return Principal(
        user_id=user_id,
        org_id=org_id,
        roles=current.roles,
        permissions=_firm_grants(current.permissions),
        email=str(claims.get("username") or ""),
        auth_method="jwt",
        session_id=session.session_id,
        mfa_setup_required=bool(session.mfa_setup_required),
    )


def _firm_grants(grants: Iterable[str]) -> tuple[str, ...]:
    """A firm session's grants, without any platform permission: those are held only through a
    platform administrator's session, whatever a firm role or a token's scope says."""
    platform = {str(p) for p in permissions.PLATFORM_PERMISSIONS}
    return tuple(grant for grant in grants if grant not in platform)


def _platform_admin(claims: dict[str, Any], session_id: str) -> Principal:
    """A platform administrator: the session (read on every call, one consistent `GetItem`) must be
    a live platform session of this token's subject, and the token a platform token; the platform
    permissions come from the catalogue, not from the token's scope."""
    from docket.identity import sessions

    session = sessions.active(session_id)
    if (
        session is None
        or session.platform_role != PLATFORM_ADMIN
        or claims.get(PLATFORM_ROLE_CLAIM) != PLATFORM_ADMIN
        or session.user_id != claims.get("sub")
    ):
        raise AuthenticationFailed()
    return Principal(
        user_id=str(claims["sub"]),
        org_id="",
        roles=(PLATFORM_ADMIN_ROLE,),
        permissions=tuple(str(p) for p in permissions.PLATFORM_PERMISSIONS),
        email=str(claims.get("username") or ""),
        auth_method="jwt",
        session_id=session.session_id,
        platform=True,
    )


def _api_key(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "x-api-key":
            return value.strip()
    return None


def authenticate_rest(headers: Mapping[str, str]) -> Principal:
    """Bearer token, else API key, else the browser's session cookie (its writes need a CSRF
    token, which the resolver checks: the authorizer answers only 401 or allow)."""
    token = _bearer(headers)
    if token is not None:
        return principal_from_token(token)
    key = _api_key(headers)
    if key:
        from docket.identity import apikeys

        return apikeys.authenticate(key)
    cookie = browser.read_cookie(headers, browser.ACCESS_COOKIE)
    if cookie:
        return replace(principal_from_token(cookie), auth_method="cookie")
    raise AuthenticationFailed("Authentication required")


def authenticate_websocket(query: Mapping[str, str]) -> Principal:
    token = (query.get(WEBSOCKET_TOKEN_PARAMETER) or "").strip()
    if not token:
        raise AuthenticationFailed(f"Connect with ?{WEBSOCKET_TOKEN_PARAMETER}=<access token>")
    principal = principal_from_token(token)
    if principal.platform:
        # connections live in a firm's partition and receive its events: administrators have none
        raise AuthenticationFailed("Platform administrators have no WebSocket connection")
    return principal
