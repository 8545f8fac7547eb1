"""The REST side of the local API Gateway: route, authorize, invoke the group's function, answer.

Every path is served bare and under each base path (`/v1`, `/api/v1`, `/api`), the way the
deployment's custom-domain mappings serve it; `topology.match` picks the resource as API Gateway
does. API Gateway's own refusals are the stack's gateway responses (`infra/gateway_responses.py`: status,
Docket's error envelope, the CORS headers and a 401's `WWW-Authenticate`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from docket import clock
from docket.topology import match, strip_base_path
from infra.gateway_responses import gateway_response
from infra.local.authorize import Decision, authorize
from infra.local.invoke import Invoker, invoke
from infra.local.payloads import build_authorizer_event, build_rest_event, rest_method_arn

__all__ = ["MAX_PAYLOAD", "RestGateway", "build_rest_event", "refusal", "to_http"]

log = logging.getLogger("docket.local.rest")
#: API Gateway REST's request payload limit.
MAX_PAYLOAD = 10 * 1024 * 1024
#: API Gateway REST's default integration timeout.
INTEGRATION_TIMEOUT_S = 29.0
#: Headers the HTTP server sets itself; a function's values for them are not forwarded.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})

#: The gateway response for each status an authorizer decision can end in.
_REFUSALS: dict[int, str] = {401: "UNAUTHORIZED", 403: "ACCESS_DENIED", 500: "DEFAULT_5XX"}
_ERROR_TYPES = {
    401: "UnauthorizedException",
    403: "AccessDeniedException",
    404: "MissingAuthenticationTokenException",
    413: "RequestTooLongException",
    504: "IntegrationTimeoutException",
}


def refusal(response_type: str, request_id: str, message: str | None = None) -> web.Response:
    """API Gateway's own answer of that type, as the stack's gateway response renders it: Docket's
    error envelope, with the declared status and headers."""
    response = gateway_response(response_type)
    body = {
        "success": False,
        "error": {
            "code": response.code,
            "message": message or response.message,
            "details": None,
            "timestamp": clock.iso(),
            "requestId": request_id,
        },
    }
    headers = {
        **response.headers,
        "x-amzn-RequestId": request_id,
        "x-amzn-ErrorType": _ERROR_TYPES.get(response.status, "InternalServerErrorException"),
    }
    return web.json_response(body, status=response.status, headers=headers)


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None when it exceeds `limit` (the rest is drained, as a gateway would)."""
    declared = request.content_length
    too_large = declared is not None and declared > limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(256 * 1024):
        size += len(chunk)
        too_large = too_large or size > limit
        if not too_large:
            chunks.append(chunk)
    return None if too_large else b"".join(chunks)


def to_http(reply: Any, request_id: str) -> web.Response:
    """A Lambda proxy response → the HTTP response API Gateway sends (500 when it is malformed)."""
    if not isinstance(reply, Mapping):
        log.error("malformed Lambda proxy response (not an object): %r", reply)
        return refusal("DEFAULT_5XX", request_id)
    try:
        status = int(reply.get("statusCode", 200))
        body = reply.get("body")
        if body is None:
            raw = b""
        elif reply.get("isBase64Encoded"):
            raw = base64.b64decode(body)
        else:
            raw = str(body).encode()
    except (TypeError, ValueError):
        log.exception("malformed Lambda proxy response")
        return refusal("DEFAULT_5XX", request_id)

    headers: CIMultiDict[str] = CIMultiDict()
    # multiValueHeaders and headers are merged; a pair present in both appears once
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        for value in values or ():
            headers.add(name, str(value))
    for name, value in (reply.get("headers") or {}).items():
        if str(value) not in headers.getall(name, []):
            headers.add(name, str(value))
    for name in list(headers):
        if name.lower() in _HOP_BY_HOP:
            headers.popall(name, None)
    headers.setdefault("Content-Type", "application/json")  # API Gateway's default for proxy replies
    headers["x-amzn-RequestId"] = request_id
    return web.Response(status=status, body=raw, headers=headers)


class RestGateway:
    """API Gateway REST in front of the group functions; `invoker` runs a function (tests fake it)."""

    def __init__(self, invoker: Invoker = invoke, executor: Executor | None = None) -> None:
        self._invoker = invoker
        self._executor = executor

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        method = request.method
        stage_path = strip_base_path(request.path)
        found = match(method, stage_path)
        if found is None:
            return refusal(
                "MISSING_AUTHENTICATION_TOKEN", request_id, f"No resource for {method} {request.path}"
            )
        body = await read_limited(request, MAX_PAYLOAD)
        if body is None:
            return refusal("REQUEST_TOO_LARGE", request_id, "Request body exceeds 10 MB")

        event = build_rest_event(
            method=method,
            path=request.path,
            headers=list(request.headers.items()),
            query=list(request.query.items()),
            body=body or None,
            source_ip=request.remote or "127.0.0.1",
            request_id=request_id,
            domain=request.host.split(":", 1)[0],
        )
        loop = asyncio.get_running_loop()
        if not found.public:
            decision: Decision = await loop.run_in_executor(
                self._executor,
                authorize,
                self._invoker,
                build_authorizer_event(event),
                rest_method_arn(method, stage_path),
            )
            if not decision.allowed:
                return refusal(_REFUSALS[decision.status], request_id)
            event["requestContext"]["authorizer"] = decision.context

        function = found.group.function_name
        invocation = loop.run_in_executor(self._executor, self._invoker, function, event)
        try:
            reply = await asyncio.wait_for(invocation, INTEGRATION_TIMEOUT_S)
        except TimeoutError:
            return refusal("INTEGRATION_TIMEOUT", request_id)
        except Exception:
            log.exception("%s failed (API Gateway answers 500)", function)
            return refusal("DEFAULT_5XX", request_id)
        return to_http(reply, request_id)
