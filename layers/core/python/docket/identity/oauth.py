"""The OAuth 2.0 token endpoint (RFC 6749, seed 004's `POST /auth/token`): the password grant
(§4.3) and the refresh_token grant (§6), with §5.2's errors.

The body must be a form (`application/x-www-form-urlencoded`, §4.3.2 and §6). `grant_type` may be
left out, and then means `password`: OAuth2 password-form clients (seed 004's) send only
`username` and `password`.

Every refusal is a `GrantRefused(error, description)` that the route renders as
`400 {"error", "error_description"}`: a body that is not a form, or a missing, repeated or
malformed parameter is `invalid_request` (so is a body that fails the route's validation:
`request_refused`), a grant type other than these two is `unsupported_grant_type`, wrong
credentials or a refresh token that is not live are `invalid_grant`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from docket.errors import AuthenticationFailed, Forbidden
from docket.identity import accounts, sessions
from docket.security.principal import Origin

GRANT_TYPES = ("password", "refresh_token")
#: what an absent (or empty: §3.2 treats it as absent) grant_type means
DEFAULT_GRANT_TYPE = "password"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class GrantRefused(Exception):
    """An RFC 6749 §5.2 error: `error` is the code, `description` the human-readable reason."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def request_refused(details: Sequence[dict[str, Any]]) -> GrantRefused:
    """The §5.2 error for a request that failed validation (field details as the envelope has them)."""
    problems = "; ".join(f"{d.get('field') or 'body'}: {d.get('message') or 'invalid'}" for d in details)
    return GrantRefused("invalid_request", problems or "The request is malformed")


def _unsupported(grant_type: str) -> GrantRefused:
    return GrantRefused(
        "unsupported_grant_type",
        f"grant_type {grant_type[:64]!r} is not supported; use {' or '.join(GRANT_TYPES)}",
    )


def token(
    grant_type: str | None,
    *,
    username: str | None = None,
    password: str | None = None,
    refresh_token: str | None = None,
    form_encoded: bool,
    repeated: Collection[str] = (),
    device: str | None = None,
    ip: str | None = None,
    origin: Origin | None = None,
) -> sessions.Tokens:
    """Tokens for the grant (`password` when none is named); `form_encoded` says the body was a
    form, `repeated` names the parameters sent more than once (§3.2: refused)."""
    if not form_encoded:
        raise GrantRefused(
            "invalid_request", f"The token endpoint takes a {FORM_CONTENT_TYPE} body (RFC 6749 §4.3.2)"
        )
    if repeated:
        raise GrantRefused("invalid_request", f"Parameters must not repeat: {', '.join(sorted(repeated))}")
    grant_type = grant_type or DEFAULT_GRANT_TYPE
    if grant_type not in GRANT_TYPES:
        raise _unsupported(grant_type)
    try:
        if grant_type == "password":
            if not username or not password:
                raise GrantRefused("invalid_request", "username and password are required")
            return accounts.login(username, password, device=device, ip=ip, origin=origin).tokens
        if not refresh_token:
            raise GrantRefused("invalid_request", "refresh_token is required")
        return sessions.rotate(refresh_token, ip=ip)
    except (AuthenticationFailed, Forbidden) as exc:
        raise GrantRefused("invalid_grant", exc.message) from exc
    except accounts.MfaRequired as exc:
        raise GrantRefused("invalid_grant", "This account uses MFA; log in with POST /auth/login") from exc
