"""The emulator's event builders keep the shapes of `events/` and API Gateway's rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.local.authorize import evaluate
from infra.local.payloads import (
    authorizer_context,
    build_authorizer_event,
    build_rest_event,
    build_websocket_authorizer_event,
    build_websocket_event,
    is_binary,
    new_connection_id,
    sqs_record,
    stream_record,
    template,
)


@pytest.mark.parametrize(
    ("name", "builder"),
    [
        (
            "rest_proxy.json",
            lambda: build_rest_event(method="GET", path="/v1/feedback/x", headers={"A": "b"}),
        ),
        ("websocket_connect.json", lambda: build_websocket_event("$connect", "c1", headers={"A": "b"})),
        ("websocket_message.json", lambda: build_websocket_event("$default", "c1", body="{}")),
        ("websocket_disconnect.json", lambda: build_websocket_event("$disconnect", "c1", close_code=1000)),
    ],
)
def test_built_events_have_the_keys_of_the_sample_events(name: str, builder: object) -> None:
    sample, built = template(name), builder()  # type: ignore[operator]
    assert set(built) <= set(sample) | {"body"}
    assert set(built["requestContext"]) - {"authorizer"} >= set(sample["requestContext"]) - {"authorizer"}


def test_rest_events_keep_the_full_path_and_last_values() -> None:
    event = build_rest_event(
        method="GET",
        path="/api/feedback",
        headers=[("X-A", "1"), ("X-A", "2")],
        query=[("q", "1"), ("q", "2")],
    )
    assert (event["path"], event["resource"], event["requestContext"]["resourcePath"]) == (
        "/api/feedback",
        "/feedback",
        "/feedback",
    )
    assert event["headers"]["X-A"] == "2"
    assert event["multiValueHeaders"]["X-A"] == ["1", "2"]
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["pathParameters"] is None
    assert "authorizer" not in event["requestContext"]


def test_the_authorizer_event_names_the_stage_relative_method_arn() -> None:
    rest = build_rest_event(method="PUT", path="/api/v1/feedback/fb_1", headers={"Authorization": "Bearer t"})
    event = build_authorizer_event(rest)
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith(":localapi01/v1/PUT/feedback/fb_1")
    assert event["headers"] == {"Authorization": "Bearer t"}
    assert event["requestContext"]["resourcePath"] == "/feedback/{proxy+}"


def test_the_websocket_authorizer_event_has_the_connect_context() -> None:
    connect = build_websocket_event("$connect", "c1", query={"token": "t"})
    event = build_websocket_authorizer_event(connect)
    assert event["methodArn"].endswith("/v1/$connect")
    assert event["queryStringParameters"] == {"token": "t"}
    assert event["requestContext"]["connectionId"] == "c1"
    assert "path" not in event


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        (None, False),
        ("application/json", False),
        ("application/json; charset=utf-8", False),
        ("Multipart/Form-Data; boundary=x", True),
        ("image/webp", True),
        ("application/zip", False),  # not among the API's binary media types: text, as on AWS
    ],
)
def test_binary_media_types(content_type: str | None, binary: bool) -> None:
    assert is_binary(content_type) is binary


def test_authorizer_context_values_become_strings() -> None:
    assert authorizer_context("u", {"a": True, "b": 2, "c": "x", "d": None}) == {
        "principalId": "u",
        "a": "true",
        "b": "2",
        "c": "x",
        "d": None,
    }


ARN = "arn:aws:execute-api:us-east-1:123456789012:localapi01/v1/GET/feedback/fb_1"


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}], True),
        ([{"Effect": "Allow", "Action": "execute-api:*", "Resource": [ARN]}], True),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:*/v1/POST/*"}], False),
        (
            [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*/GET/feedback/*"},
            ],
            False,
        ),
        ([], False),
    ],
)
def test_policy_evaluation(statements: list[dict[str, object]], allowed: bool) -> None:
    assert evaluate({"Version": "2012-10-17", "Statement": statements}, ARN) is allowed


def test_connection_ids_look_like_api_gateways() -> None:
    ids = {new_connection_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 and "/" not in i and "+" not in i for i in ids)


def test_event_source_records() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q")
    assert set(record) == set(template("sqs.json")["Records"][0])
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"

    change = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 22, tzinfo=UTC),
            "Keys": {"pk": {"S": "a"}},
            "SequenceNumber": "1",
        },
    }
    record = stream_record(change, "arn:stream")
    assert set(record) == set(template("dynamodb_stream.json")["Records"][0])
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1795305600
    assert (record["eventSource"], record["eventSourceARN"]) == ("aws:dynamodb", "arn:stream")
