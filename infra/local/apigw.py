"""API Gateway event shapes, built from HTTP requests the way API Gateway builds them.

Templates live in `events/` (real-shaped payloads); these functions fill them in.
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from docket.topology import STAGE, match, strip_base_path

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
API_ID = "localapi01"
WS_API_ID = "localws001"
ACCOUNT = "123456789012"
REGION = "us-east-1"
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml", "+json")


@cache
def template(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS_DIR / name).read_text(encoding="utf-8")))


def _fresh(name: str) -> dict[str, Any]:
    return copy.deepcopy(template(name))


def is_text(content_type: str | None) -> bool:
    value = (content_type or "").lower()
    return not value or any(marker in value for marker in _TEXT_TYPES)


def _multi(
    values: Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None,
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if values is None:
        return result
    items = values.items() if isinstance(values, Mapping) else values
    for name, value in items:
        if isinstance(value, str):
            result.setdefault(name, []).append(value)
        else:
            result.setdefault(name, []).extend(value)
    return result


def build_rest_event(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None = None,
    query: Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None = None,
    body: bytes | str | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    request_id: str | None = None,
    domain: str = "localhost",
) -> dict[str, Any]:
    """A REST (v1) proxy event; `path` is the full requested path, base path included."""
    stage_path = strip_base_path(path)
    found = match(method, stage_path)
    multi_headers = _multi(headers)
    multi_query = _multi(query)
    content_type = next((v[-1] for k, v in multi_headers.items() if k.lower() == "content-type"), None)
    event = _fresh("rest_proxy.json")
    if isinstance(body, str):
        body = body.encode()
    text_body = is_text(content_type)
    resource = found.resource if found else stage_path
    request_id = request_id or str(uuid.uuid4())
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        headers={k: v[-1] for k, v in multi_headers.items()},
        multiValueHeaders=multi_headers,
        queryStringParameters={k: v[-1] for k, v in multi_query.items()} or None,
        multiValueQueryStringParameters=multi_query or None,
        pathParameters=(found.path_parameters or None) if found else None,
        stageVariables=None,
        body=None if body is None else (body.decode() if text_body else base64.b64encode(body).decode()),
        isBase64Encoded=body is not None and not text_body,
    )
    context = event["requestContext"]
    context.update(
        requestId=request_id,
        extendedRequestId=request_id,
        stage=STAGE,
        resourcePath=resource,
        httpMethod=method,
        path=path,
        domainName=domain,
        apiId=API_ID,
        accountId=ACCOUNT,
        requestTime=time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        requestTimeEpoch=int(time.time() * 1000),
    )
    context["identity"]["sourceIp"] = source_ip
    context["identity"]["userAgent"] = event["headers"].get("User-Agent") or event["headers"].get(
        "user-agent"
    )
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    else:
        context.pop("authorizer", None)
    return event


def method_arn(method: str, resource_path: str, *, websocket: bool = False, route: str = "$connect") -> str:
    if websocket:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{WS_API_ID}/{STAGE}/{route}"
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{resource_path}"


def build_authorizer_event(rest_event: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event API Gateway sends before invoking a protected REST method."""
    event = _fresh("authorizer_request.json")
    stage_path = strip_base_path(str(rest_event["path"]))
    event.update(
        methodArn=method_arn(rest_event["httpMethod"], stage_path),
        resource=rest_event["resource"],
        path=rest_event["path"],
        httpMethod=rest_event["httpMethod"],
        headers=rest_event["headers"],
        multiValueHeaders=rest_event["multiValueHeaders"],
        queryStringParameters=rest_event["queryStringParameters"],
        multiValueQueryStringParameters=rest_event["multiValueQueryStringParameters"],
        pathParameters=rest_event["pathParameters"],
        stageVariables=None,
    )
    event["requestContext"] = {k: v for k, v in rest_event["requestContext"].items() if k != "authorizer"}
    return event


def build_websocket_event(
    route: str,
    connection_id: str,
    *,
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    connected_at: int | None = None,
    domain: str = "localhost",
) -> dict[str, Any]:
    name = {"$connect": "websocket_connect.json", "$disconnect": "websocket_disconnect.json"}.get(
        route, "websocket_message.json"
    )
    event = _fresh(name)
    context = event["requestContext"]
    context.update(
        routeKey=route,
        connectionId=connection_id,
        requestId=str(uuid.uuid4()),
        requestTimeEpoch=int(time.time() * 1000),
        connectedAt=connected_at or int(time.time() * 1000),
        domainName=domain,
        stage=STAGE,
        apiId=WS_API_ID,
    )
    context["identity"]["sourceIp"] = source_ip
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    else:
        context.pop("authorizer", None)
    if route == "$connect":
        event["headers"] = dict(headers or {})
        event["multiValueHeaders"] = _multi(headers)
        event["queryStringParameters"] = dict(query) if query else None
        event["multiValueQueryStringParameters"] = _multi(query) or None
    if body is not None:
        event["body"] = body
    return event


def build_websocket_authorizer_event(
    connection_id: str, headers: Mapping[str, str], query: Mapping[str, str], source_ip: str = "127.0.0.1"
) -> dict[str, Any]:
    connect = build_websocket_event(
        "$connect", connection_id, headers=headers, query=query, source_ip=source_ip
    )
    event = _fresh("authorizer_request.json")
    event.update(
        methodArn=method_arn("GET", "", websocket=True),
        headers=connect["headers"],
        multiValueHeaders=connect["multiValueHeaders"],
        queryStringParameters=connect["queryStringParameters"],
        multiValueQueryStringParameters=connect["multiValueQueryStringParameters"],
        stageVariables=None,
        requestContext=connect["requestContext"],
    )
    for key in ("resource", "path", "httpMethod", "pathParameters"):
        event.pop(key, None)
    return event
