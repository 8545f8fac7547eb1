"""Access tokens from trusted external issuers (Cognito user pools), mapped to Docket users.

The issuer must be configured (`DOCKET_TRUSTED_ISSUERS`); its keys come from its JWKS URL and are
cached. The token must be an RS256 access token (`token_use=access`) for one of the issuer's
configured client ids. The Docket user is the one linked to the token's `sub`, or else the one
whose email is the token's `username`; the user acts in their default organization, with the
token's `cognito:groups` as roles where they name Docket roles (else their membership's roles).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jwt

from docket.errors import AuthenticationFailed
from docket.security.principal import Principal
from docket.settings import TrustedIssuer, get_settings

_LEEWAY_S = 30


def trusted(issuer: str) -> TrustedIssuer | None:
    for candidate in get_settings().trusted_issuers:
        if candidate.issuer == issuer:
            return candidate
    return None


@cache
def _keys(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def verify(token: str, issuer: TrustedIssuer) -> dict[str, Any]:
    try:
        if jwt.get_unverified_header(token).get("alg") != "RS256":
            raise AuthenticationFailed()
        key = _keys(issuer.keys_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=issuer.issuer,
            leeway=_LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise AuthenticationFailed() from exc
    # Cognito access tokens carry `client_id`, not `aud`
    if claims.get("token_use") != "access" or claims.get("client_id") not in issuer.client_ids:
        raise AuthenticationFailed()
    return claims


def principal(claims: dict[str, Any]) -> Principal:
    from docket.access.roles import grants_of
    from docket.identity import accounts, links, roles

    linked = links.linked_user(str(claims["iss"]), str(claims["sub"]))
    if linked is not None:
        user: accounts.User | None = accounts.find_user(linked)
    else:
        user = accounts.find_user_by_email(str(claims.get("username") or claims.get("email") or ""))
    if user is None or user.status != "active":
        raise AuthenticationFailed("No Docket account for this identity")
    memberships = {m.org_id: m for m in accounts.memberships_of(user.id)}
    org_id = user.default_org_id if user.default_org_id in memberships else next(iter(memberships), None)
    if org_id is None:
        raise AuthenticationFailed("No organization for this identity")
    groups = [g for g in claims.get("cognito:groups") or () if g in roles.SYSTEM_ROLES]
    granted = tuple(groups) or tuple(str(r) for r in memberships[org_id].roles or ())
    return Principal(
        user_id=user.id,
        org_id=org_id,
        roles=granted,
        permissions=grants_of(org_id, granted),
        email=user.email,
        auth_method="cognito",
    )
