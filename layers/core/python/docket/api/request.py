"""What the platform learns about the request in flight, reset at the start of every invocation.

Lambda runs one request at a time per process, so module state is request state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docket.api.ratelimit import RateState
from docket.security.principal import Principal


@dataclass
class RequestState:
    request_id: str = ""
    principal: Principal | None = None
    rate: RateState | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


_current = RequestState()


def begin(event: dict[str, Any]) -> RequestState:
    global _current
    context = event.get("requestContext") or {}
    _current = RequestState(
        request_id=str(context.get("requestId") or ""),
        principal=Principal.from_context(context.get("authorizer")),
    )
    return _current


def current() -> RequestState:
    return _current
