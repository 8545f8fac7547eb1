"""Invoking handlers in process the way API Gateway would (events from the emulator's builder)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from docket.security.principal import Principal
from infra.local.invoke import LocalContext
from infra.tools.functions import load


def FakeContext() -> LocalContext:
    return LocalContext("test")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any = field(default=None)

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def error(self) -> Any:
        return self.body["error"]


def rest_event(
    method: str,
    path: str,
    *,
    principal: Principal | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    source_ip: str = "203.0.113.7",
) -> dict[str, Any]:
    from infra.local.apigw import build_rest_event

    all_headers = {"Content-Type": "application/json", **(headers or {})}
    raw = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    authorizer = {"principalId": principal.user_id, **principal.to_context()} if principal else None
    return build_rest_event(
        method=method,
        path=path,
        headers=all_headers,
        query=query or {},
        body=raw,
        authorizer=authorizer,
        source_ip=source_ip,
    )


def call(function: str, method: str, path: str, **kwargs: Any) -> Reply:
    return invoke(function, rest_event(method, path, **kwargs))


def invoke(function: str, event: dict[str, Any]) -> Reply:
    """Run `function`'s handler on a (possibly hand-adjusted) REST event; an empty body is None."""
    response = load(function).handler(event, FakeContext())
    headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = values[-1]
    text = response.get("body")
    return Reply(status=response["statusCode"], headers=headers, body=json.loads(text) if text else None)
