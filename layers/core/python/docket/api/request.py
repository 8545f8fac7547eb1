"""What the platform learns about the request in flight, reset at the start of every invocation.

Lambda runs one request at a time per process, so module state is request state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docket.api.ratelimit import RateState
from docket.security.principal import Principal
from docket.topology import strip_base_path


@dataclass
class RequestState:
    request_id: str = ""
    principal: Principal | None = None
    #: what the caller's URL has before the route's path (`/api/v1`, `/v1`, or nothing): links
    #: we hand out (`Location`) use it, so they work on the URL the caller came in on
    base_path: str = ""
    rate: RateState | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


_current = RequestState()


def begin(event: dict[str, Any]) -> RequestState:
    global _current
    context = event.get("requestContext") or {}
    _current = RequestState(
        request_id=str(context.get("requestId") or ""),
        principal=Principal.from_context(context.get("authorizer")),
        base_path=base_path_of(event),
    )
    return _current


def base_path_of(event: dict[str, Any]) -> str:
    """The base path the request came in on.

    `requestContext.path` is the path the caller asked for, minus only the host: it starts with the
    stage on API Gateway's own domain (`/v1/feedback`) and with the base-path mapping on a custom
    domain (`/api/v1/feedback`). `path` is the route's path, with the mapping still on it on a custom
    domain, so stripping a base path from it leaves the route's path on both; what
    `requestContext.path` has before that is the base path."""
    path = str(event.get("path") or "")
    requested = str((event.get("requestContext") or {}).get("path") or path)
    route_path = strip_base_path(path)
    if not route_path or not requested.endswith(route_path):
        return ""
    return requested[: len(requested) - len(route_path)].rstrip("/")


def current() -> RequestState:
    return _current
