"""Route dependencies (Powertools `Depends`): who is calling, and what they sent in headers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request

from docket.api import request as request_state
from docket.errors import AuthenticationFailed
from docket.security.principal import Origin, Principal


def current_principal() -> Principal:
    """The authenticated caller; API Gateway's authorizer guarantees one on non-public routes."""
    principal = request_state.current().principal
    if principal is None or principal.is_anonymous or not principal.org_id:
        raise AuthenticationFailed("Authentication required")
    return principal


def current_origin() -> Origin:
    """Where the request came from (request id, IP, User-Agent): what public routes hand to the
    services that audit them (an authenticated principal carries it already)."""
    return request_state.current().origin


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
IfMatch = Annotated[str | None, Depends(if_match)]
PreferAsync = Annotated[bool, Depends(prefer_async)]
