"""Browser sessions: the cookies a browser sign-in sets, and the CSRF tokens their writes need.

A browser that signed in through `GET /auth/callback` holds the access and refresh tokens in
HttpOnly cookies (scripts cannot read them). Because a browser sends cookies on requests other
sites cause, every state-changing request that authenticates by cookie must also carry
`X-CSRF-Token`: a token from `GET /auth/csrf` (or the callback), signed and bound to the session,
which another site can neither read nor forge. Bearer tokens and API keys are not sent
automatically by browsers, so requests using them need no CSRF token.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from docket.security import signed_claims
from docket.settings import get_settings

ACCESS_COOKIE = "docket_access"
REFRESH_COOKIE = "docket_refresh"
#: binds an OIDC sign-in to the browser that started it (login CSRF)
OIDC_COOKIE = "docket_oidc"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_CSRF = "csrf"
#: what a token fetched without a session is bound to: it passes no cookie-authenticated write
_NO_SESSION = "-"


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def read_cookie(headers: Mapping[str, str] | None, name: str) -> str | None:
    raw = header(headers, "cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def _secure() -> bool:
    # Secure cookies are never sent over plain HTTP: only the local emulator serves that
    return get_settings().token_issuer.startswith("https://")


def cookie(name: str, value: str, *, max_age: int, same_site: SameSite = SameSite.LAX_MODE) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=_secure(),
        http_only=True,
        max_age=max_age,
        same_site=same_site,
    )


def session_cookies(
    access_token: str, refresh_token: str, *, access_ttl_s: int, refresh_ttl_s: int
) -> list[Cookie]:
    return [
        cookie(ACCESS_COOKIE, access_token, max_age=access_ttl_s),
        # only ever needed by POST /auth/refresh from the app's own pages
        cookie(REFRESH_COOKIE, refresh_token, max_age=refresh_ttl_s, same_site=SameSite.STRICT_MODE),
    ]


def cleared_cookies(*names: str) -> list[Cookie]:
    return [cookie(name, "", max_age=0) for name in names or (ACCESS_COOKIE, REFRESH_COOKIE)]


def csrf_token(session_id: str | None) -> str:
    return signed_claims.issue(_CSRF, {"sid": session_id or _NO_SESSION, "n": secrets.token_urlsafe(9)})


def csrf_valid(token: str | None, session_id: str) -> bool:
    if not token or not session_id:
        return False
    claims = signed_claims.read(_CSRF, token)
    return claims is not None and claims.get("sid") == session_id
