"""Building success responses: the envelope plus the headers a resource carries."""

from __future__ import annotations

from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie

from docket.api import request as request_state
from docket.api.concurrency import etag as etag_of
from docket.api.models import Ok

T = TypeVar("T")


def ok(
    data: T,
    *,
    status: int = 200,
    version: int | None = None,
    message: str | None = None,
    #: the route path of the created resource (`/feedback/fb_…`); the caller's base path is added
    location: str | None = None,
    cookies: list[Cookie] | None = None,
) -> Response[Ok[T]]:
    headers: dict[str, Any] = {}
    if version is not None:
        headers["ETag"] = etag_of(version)
    if location:
        base = request_state.current().base_path if location.startswith("/") else ""
        headers["Location"] = base + location
    return Response(
        status_code=status,
        content_type="application/json",
        body=Ok(data=data, message=message),
        headers=headers,
        cookies=cookies,
    )
