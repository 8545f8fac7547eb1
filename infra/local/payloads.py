"""Lambda event payloads, built the way AWS builds them, from the real-shaped samples in `events/`.

Each builder deep-copies a template and fills in what differs per call, so the fields nobody here
thinks about (identity, protocol, extendedRequestId, …) keep the shape AWS gives them. The
integration tests and the bench build their events with the same functions.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from docket.topology import BINARY_MEDIA_TYPES, STAGE, match, strip_base_path

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
ACCOUNT = "123456789012"
REGION = "us-east-1"
API_ID = "localapi01"
WS_API_ID = "localws001"
Pairs = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None


@cache
def _template(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS_DIR / name).read_text(encoding="utf-8")))


def template(name: str) -> dict[str, Any]:
    """A fresh copy of `events/<name>` (callers may mutate it)."""
    return copy.deepcopy(_template(name))


def _short_id() -> str:
    """API Gateway's base64 ids (extendedRequestId, WebSocket requestId/messageId): `Kx1bFGOxIAMF8pQ=`."""
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _request_time(epoch_ms: int) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def _multi(values: Pairs) -> dict[str, list[str]]:
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


def _single(multi: Mapping[str, list[str]]) -> dict[str, str]:
    # API Gateway's single-value maps keep the last value of a repeated header or parameter
    return {name: values[-1] for name, values in multi.items() if values}


def is_binary(content_type: str | None) -> bool:
    """Whether API Gateway would base64-encode a body of this type (the API's binary media types)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(media_type) and any(fnmatch.fnmatchcase(media_type, p) for p in BINARY_MEDIA_TYPES)


def rest_method_arn(method: str, stage_path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{stage_path}"


def websocket_method_arn(route: str = "$connect") -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{WS_API_ID}/{STAGE}/{route}"


def authorizer_context(principal_id: Any, context: Mapping[str, Any] | None) -> dict[str, Any]:
    """What API Gateway puts in `requestContext.authorizer`: principalId plus the context, as strings.

    API Gateway coerces numbers and booleans to strings on the way to the integration.
    """
    result: dict[str, Any] = {"principalId": None if principal_id is None else str(principal_id)}
    for key, value in (context or {}).items():
        if isinstance(value, bool):
            result[key] = "true" if value else "false"
        elif value is None:
            result[key] = None
        else:
            result[key] = str(value)
    return result


# REST ------------------------------------------------------------------------------------------


def build_rest_event(
    *,
    method: str,
    path: str,
    headers: Pairs = None,
    query: Pairs = None,
    body: bytes | str | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    request_id: str | None = None,
    domain: str = "localhost",
) -> dict[str, Any]:
    """A REST (v1) Lambda proxy event. `path` is the full requested path, base path included, as a
    custom-domain mapping passes it; the resource is chosen from the stage-relative path."""
    stage_path = strip_base_path(path)
    found = match(method, stage_path)
    resource = found.resource if found else stage_path
    multi_headers = _multi(headers)
    multi_query = _multi(query)
    single_headers = _single(multi_headers)
    content_type = next((v for k, v in single_headers.items() if k.lower() == "content-type"), None)
    raw = body.encode() if isinstance(body, str) else body
    binary = raw is not None and is_binary(content_type)
    if raw is None:
        encoded = None
    elif binary:
        encoded = base64.b64encode(raw).decode()
    else:
        # a text body that is not UTF-8 reaches Lambda with replacement characters, as on AWS
        encoded = raw.decode("utf-8", errors="replace")
    request_id = request_id or str(uuid.uuid4())
    epoch_ms = _now_ms()

    event = template("rest_proxy.json")
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        headers=single_headers,
        multiValueHeaders=multi_headers,
        # API Gateway sends null, not {}, when there is no query string or path parameter
        queryStringParameters=_single(multi_query) or None,
        multiValueQueryStringParameters=multi_query or None,
        pathParameters=(found.path_parameters or None) if found else None,
        stageVariables=None,
        body=encoded,
        isBase64Encoded=binary,
    )
    context = event["requestContext"]
    context.update(
        requestId=request_id,
        extendedRequestId=_short_id(),
        stage=STAGE,
        resourcePath=resource,
        httpMethod=method,
        path=path,
        domainName=domain,
        domainPrefix=domain.split(".", 1)[0],
        apiId=API_ID,
        accountId=ACCOUNT,
        requestTime=_request_time(epoch_ms),
        requestTimeEpoch=epoch_ms,
    )
    context["identity"]["sourceIp"] = source_ip
    context["identity"]["userAgent"] = next(
        (v for k, v in single_headers.items() if k.lower() == "user-agent"), None
    )
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    else:
        context.pop("authorizer", None)
    return event


def build_authorizer_event(rest_event: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event API Gateway sends before invoking a protected REST method."""
    stage_path = strip_base_path(str(rest_event["path"]))
    event = template("authorizer_request.json")
    event.update(
        methodArn=rest_method_arn(str(rest_event["httpMethod"]), stage_path),
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
    event["requestContext"] = {
        k: copy.deepcopy(v) for k, v in rest_event["requestContext"].items() if k != "authorizer"
    }
    return event


# WebSocket -------------------------------------------------------------------------------------

_WS_TEMPLATES = {
    "$connect": ("websocket_connect.json", "CONNECT"),
    "$disconnect": ("websocket_disconnect.json", "DISCONNECT"),
}


def new_connection_id() -> str:
    """A 12-character id in API Gateway's alphabet (`Kx1bFcd8IAMCIkw=` style, URL-safe here)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes[:9]).decode()


def build_websocket_event(
    route: str,
    connection_id: str,
    *,
    body: str | None = None,
    headers: Pairs = None,
    query: Pairs = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    connected_at: int | None = None,
    domain: str = "localhost",
    close_code: int | None = None,
    close_reason: str = "",
) -> dict[str, Any]:
    """A WebSocket API event: `$connect` carries headers and query, `$disconnect` the close code,
    any other route (`$default`) the frame as `body`."""
    name, event_type = _WS_TEMPLATES.get(route, ("websocket_message.json", "MESSAGE"))
    event = template(name)
    epoch_ms = _now_ms()
    request_id = _short_id()
    context = event["requestContext"]
    context.update(
        routeKey=route,
        eventType=event_type,
        connectionId=connection_id,
        requestId=request_id,
        extendedRequestId=request_id,
        requestTime=_request_time(epoch_ms),
        requestTimeEpoch=epoch_ms,
        connectedAt=connected_at or epoch_ms,
        domainName=domain,
        stage=STAGE,
        apiId=WS_API_ID,
    )
    context["identity"] = {"sourceIp": source_ip, **({"userAgent": user_agent} if user_agent else {})}
    if event_type == "MESSAGE":
        context["messageId"] = _short_id()
        event["body"] = body
    if event_type == "DISCONNECT":
        context["disconnectStatusCode"] = close_code if close_code is not None else 1005
        context["disconnectReason"] = close_reason
    if event_type == "CONNECT":
        multi_headers = _multi(headers)
        multi_query = _multi(query)
        event["headers"] = _single(multi_headers)
        event["multiValueHeaders"] = multi_headers
        event["queryStringParameters"] = _single(multi_query) or None
        event["multiValueQueryStringParameters"] = multi_query or None
    else:
        # after the handshake API Gateway no longer forwards the client's request headers
        event.pop("queryStringParameters", None)
        event.pop("multiValueQueryStringParameters", None)
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    else:
        context.pop("authorizer", None)
    return event


def build_websocket_authorizer_event(connect_event: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event for a WebSocket `$connect` (no resource/path/httpMethod)."""
    event = template("authorizer_request.json")
    for key in ("resource", "path", "httpMethod", "pathParameters"):
        event.pop(key, None)
    event.update(
        methodArn=websocket_method_arn("$connect"),
        headers=connect_event["headers"],
        multiValueHeaders=connect_event["multiValueHeaders"],
        queryStringParameters=connect_event["queryStringParameters"],
        multiValueQueryStringParameters=connect_event["multiValueQueryStringParameters"],
        stageVariables=None,
        requestContext={
            k: copy.deepcopy(v) for k, v in connect_event["requestContext"].items() if k != "authorizer"
        },
    )
    return event


# Event sources ---------------------------------------------------------------------------------


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of an SQS → Lambda event, from a `receive_message` message."""
    record: dict[str, Any] = template("sqs.json")["Records"][0]
    record.update(
        messageId=message["MessageId"],
        receiptHandle=message["ReceiptHandle"],
        body=message["Body"],
        attributes=dict(message.get("Attributes") or {}),
        messageAttributes={
            name: _lambda_message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        md5OfBody=message.get("MD5OfBody", ""),
        eventSourceARN=queue_arn,
        awsRegion=REGION,
    )
    return record


def _lambda_message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    # Lambda spells SQS message attributes in camelCase, with empty lists for the unused kinds
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(value["BinaryValue"]).decode() if "BinaryValue" in value else None,
        "stringListValues": list(value.get("StringListValues") or []),
        "binaryListValues": list(value.get("BinaryListValues") or []),
        "dataType": value.get("DataType"),
    }


def stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One record of a DynamoDB stream → Lambda event, from a `get_records` record."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        # the stream API returns a timestamp; Lambda's event carries epoch seconds
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    lambda_record: dict[str, Any] = template("dynamodb_stream.json")["Records"][0]
    lambda_record.update(
        eventID=record["eventID"],
        eventName=record["eventName"],
        awsRegion=REGION,
        dynamodb=change,
        eventSourceARN=stream_arn,
    )
    return lambda_record


def schedule_event(job: str) -> dict[str, Any]:
    """What the stack's EventBridge Scheduler target sends: its `input`, `{"job": name}`."""
    return {"job": job}


def custom_resource_event(
    request_type: str,
    *,
    properties: Mapping[str, Any],
    response_url: str,
    physical_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What CloudFormation sends a Lambda-backed custom resource (`Create`, `Update`, `Delete`)."""
    event = template("cloudformation_custom_resource.json")
    event.update(
        RequestType=request_type,
        ResponseURL=response_url,
        RequestId=str(uuid.uuid4()),
        ResourceProperties={"ServiceToken": event["ServiceToken"], **properties},
    )
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": event["ServiceToken"], **(old_properties or {})}
    return event


def rotation_event(step: str, secret_id: str, token: str) -> dict[str, Any]:
    """What Secrets Manager sends a rotation function, once per step of a rotation."""
    event = template("secretsmanager_rotation.json")
    event.update(Step=step, SecretId=secret_id, ClientRequestToken=token, RotationToken=str(uuid.uuid4()))
    return event
