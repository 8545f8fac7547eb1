"""Route dependencies (Powertools `Depends`): who is calling, and what they sent in headers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request

from docket.api import request as request_state
from docket.errors import AuthenticationFailed, Forbidden
from docket.security.principal import Origin, Principal


def current_principal() -> Principal:
    """The authenticated caller, acting in a firm; API Gateway's authorizer guarantees a caller on
    non-public routes. A platform administrator acts in no firm: firm routes refuse them."""
    principal = request_state.current().principal
    if principal is not None and principal.platform:
        raise Forbidden("Platform administrators act outside the firms: sign in with a firm account")
    if principal is None or principal.is_anonymous or not principal.org_id:
        raise AuthenticationFailed("Authentication required")
    return principal


def current_origin() -> Origin:
    """Where the request came from (request id, IP, User-Agent): what public routes hand to the
    services that audit them (an authenticated principal carries it already)."""
    return request_state.current().origin


def platform_administrator() -> Principal:
    """The caller, who must be a platform administrator (seed 002's `/admin`): anyone else, a
    firm's owner included, is refused (the services check the platform permission too)."""
    principal = request_state.current().principal
    if principal is None or principal.is_anonymous:
        raise AuthenticationFailed("Authentication required")
    if not principal.platform or principal.org_id:
        raise Forbidden("Platform administrators only")
    return principal


def if_match(request: Request) -> str | None:
    headers = request.headers or {}
    for name, value in headers.items():
        if name.lower() == "if-match":
            return str(value)
    return None


def prefer_async(request: Request) -> bool:
    """RFC 7240 `Prefer: respond-async`: the client would rather get a job to poll than wait."""
    headers = request.headers or {}
    for name, value in headers.items():
        if name.lower() == "prefer":
            return any(p.strip().lower() == "respond-async" for p in str(value).replace(";", ",").split(","))
    return False


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
RequestOrigin = Annotated[Origin, Depends(current_origin)]
PlatformAdministrator = Annotated[Principal, Depends(platform_administrator)]
IfMatch = Annotated[str | None, Depends(if_match)]
PreferAsync = Annotated[bool, Depends(prefer_async)]
