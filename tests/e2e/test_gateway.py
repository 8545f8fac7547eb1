"""The local API Gateway's contract with the functions, checked with fake functions: which events they
receive, how their answers (and failures) become HTTP responses and WebSocket frames."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from docket.topology import AUTHORIZER, WEBSOCKET
from infra.gateway_responses import GATEWAY_RESPONSES
from infra.local.pumps import wait_until
from infra.local.server import HttpServer, build_app

pytestmark = pytest.mark.e2e

STATEMENT: dict[str, str] = {
    "Action": "execute-api:Invoke",
    "Effect": "Allow",
    "Resource": "arn:aws:execute-api:*",
}
ALLOW_ALL: dict[str, Any] = {"Version": "2012-10-17", "Statement": [STATEMENT]}

Behaviour = Callable[[dict[str, Any]], Any]


def succeed(event: dict[str, Any]) -> Any:
    return {"statusCode": 200, "body": "{}"}


@dataclass
class FakeFunctions:
    """Stands in for `infra.local.invoke.invoke`: records every event, answers per function."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        with self.lock:
            self.calls.append((function, event))
        return self.behaviours.get(function, succeed)(event)

    def events(self, function: str) -> list[dict[str, Any]]:
        with self.lock:
            return [event for name, event in self.calls if name == function]


def allow(context: dict[str, Any] | None = None, policy: dict[str, Any] | None = None) -> Behaviour:
    return lambda event: {
        "principalId": "usr_1",
        "policyDocument": policy or ALLOW_ALL,
        "context": context if context is not None else {"userId": "usr_1", "orgId": "org_1"},
    }


def raise_(message: str) -> Behaviour:
    def fail(event: dict[str, Any]) -> Any:
        raise Exception(message)

    return fail


@pytest.fixture(scope="module")
def fake() -> FakeFunctions:
    return FakeFunctions()


@pytest.fixture(scope="module")
def server(fake: FakeFunctions) -> Iterator[HttpServer]:
    running = HttpServer.start(build_app(invoker=fake))
    yield running
    running.stop()


@pytest.fixture
def functions(fake: FakeFunctions) -> FakeFunctions:
    fake.behaviours.clear()
    fake.calls.clear()
    fake.behaviours[AUTHORIZER] = allow()
    return fake


@pytest.fixture
def client(server: HttpServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


# REST: the events ---------------------------------------------------------------------------------


def test_a_protected_request_becomes_an_authorizer_event_then_a_proxy_event(
    functions: FakeFunctions, client: httpx.Client
) -> None:
    functions.behaviours[AUTHORIZER] = allow({"userId": "usr_1", "orgId": "org_1", "admin": True, "n": 3})
    client.get("/api/v1/feedback/fb_1/", params=[("a", "1"), ("a", "2")], headers={"X-Trace": "t"})

    [authorizer] = functions.events(AUTHORIZER)
    assert authorizer["type"] == "REQUEST"
    assert authorizer["methodArn"].endswith("/v1/GET/feedback/fb_1/")
    assert authorizer["headers"]["X-Trace"] == "t"
    assert authorizer["multiValueQueryStringParameters"] == {"a": ["1", "2"]}

    [event] = functions.events("helpdesk")
    assert event["resource"] == "/feedback/{proxy+}"
    assert event["path"] == "/api/v1/feedback/fb_1/"  # the full path, as a base-path mapping passes it
    assert event["pathParameters"] == {"proxy": "fb_1/"}
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == (
        "v1",
        "/feedback/{proxy+}",
        "GET",
    )
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    # the authorizer's context, values as strings, plus principalId
    assert context["authorizer"] == {
        "principalId": "usr_1",
        "userId": "usr_1",
        "orgId": "org_1",
        "admin": "true",
        "n": "3",
    }


def test_public_routes_skip_the_authorizer(functions: FakeFunctions, client: httpx.Client) -> None:
    client.get("/v1/health")
    assert functions.events(AUTHORIZER) == []
    [event] = functions.events("platform")
    assert "authorizer" not in event["requestContext"]
    assert event["pathParameters"] is None


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("application/json", False),
        ("text/plain; charset=utf-8", False),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", True),
        ("application/pdf", True),
        ("image/png", True),
        ("application/octet-stream", True),
    ],
)
def test_binary_media_types_arrive_base64_encoded(
    functions: FakeFunctions, client: httpx.Client, content_type: str, binary: bool
) -> None:
    payload = b"caf\xc3\xa9 \x00\xff" if binary else "café".encode()
    client.post("/v1/feedback", content=payload, headers={"Content-Type": content_type})
    [event] = functions.events("helpdesk")
    assert event["isBase64Encoded"] is binary
    assert (base64.b64decode(event["body"]) if binary else event["body"].encode()) == payload


# REST: the answers --------------------------------------------------------------------------------


def test_the_functions_answer_is_the_http_response(functions: FakeFunctions, client: httpx.Client) -> None:
    functions.behaviours["helpdesk"] = lambda event: {
        "statusCode": 201,
        "headers": {"Content-Type": "application/pdf", "X-One": "a"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-One": ["a"]},
        "body": base64.b64encode(b"%PDF-\x00\xff").decode(),
        "isBase64Encoded": True,
    }
    reply = client.post("/v1/feedback", json={})
    assert reply.status_code == 201
    assert reply.content == b"%PDF-\x00\xff"
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert reply.headers.get_list("x-one") == ["a"]  # in both maps: once


def test_a_reply_without_content_type_is_json(functions: FakeFunctions, client: httpx.Client) -> None:
    functions.behaviours["helpdesk"] = lambda event: {"statusCode": 200, "body": '{"ok": true}'}
    reply = client.get("/v1/feedback")
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"ok": True}


@pytest.mark.parametrize(
    ("authorizer", "status", "code"),
    [
        (raise_("Unauthorized"), 401, "AUTHENTICATION_FAILED"),
        (raise_("boom"), 500, "INTERNAL_SERVER_ERROR"),
        (lambda event: {"policyDocument": ALLOW_ALL}, 500, "INTERNAL_SERVER_ERROR"),  # no principalId
        (allow({"nested": {"no": "objects"}}), 500, "INTERNAL_SERVER_ERROR"),
        (allow(policy={"Statement": [{**STATEMENT, "Effect": "Deny"}]}), 403, None),
        (allow(policy={"Statement": [{**STATEMENT, "Resource": "arn:other"}]}), 403, None),
    ],
    ids=["unauthorized", "error", "malformed", "nested context", "deny", "allow elsewhere"],
)
def test_authorizer_outcomes(
    functions: FakeFunctions, client: httpx.Client, authorizer: Behaviour, status: int, code: str | None
) -> None:
    functions.behaviours[AUTHORIZER] = authorizer
    reply = client.get("/v1/feedback")
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == (code or "AUTHORIZATION_FAILED")
    assert functions.events("helpdesk") == []


@pytest.mark.parametrize(
    ("authorizer", "status"),
    [(raise_("Unauthorized"), 401), (allow(policy={"Statement": []}), 403), (raise_("boom"), 500)],
    ids=["401", "403", "500"],
)
def test_gateway_refusals_carry_the_declared_headers(
    functions: FakeFunctions, client: httpx.Client, authorizer: Behaviour, status: int
) -> None:
    # Given a browser app on another origin
    functions.behaviours[AUTHORIZER] = authorizer
    # When API Gateway itself refuses its request
    reply = client.get("/v1/feedback", headers={"Origin": "https://app.firm.example"})
    # Then the refusal carries the stack's gateway-response headers (the browser can read it)
    assert reply.status_code == status
    declared = next(r for r in GATEWAY_RESPONSES if r.status == status)
    for name, value in declared.headers.items():
        assert reply.headers[name] == value
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert ("WWW-Authenticate" in reply.headers) == (status == 401)


def test_unknown_routes_are_the_missing_token_response(client: httpx.Client) -> None:
    reply = client.get("/v1/no-such-route", headers={"Origin": "https://app.firm.example"})
    assert reply.status_code == 404
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert reply.json()["error"]["code"] == "RESOURCE_NOT_FOUND"


def test_a_deny_on_one_method_leaves_the_others_allowed(
    functions: FakeFunctions, client: httpx.Client
) -> None:
    statement = STATEMENT
    functions.behaviours[AUTHORIZER] = allow(
        policy={"Statement": [statement, {**statement, "Effect": "Deny", "Resource": "arn:aws:*/DELETE/*"}]}
    )
    assert client.delete("/v1/feedback/fb_1").status_code == 403
    assert client.get("/v1/feedback/fb_1").status_code == 200


@pytest.mark.parametrize(
    "reply",
    [raise_("function crashed"), lambda event: "not a proxy response", lambda e: {"statusCode": "x"}],
    ids=["exception", "not an object", "bad status"],
)
def test_function_failures_are_500_envelopes(
    functions: FakeFunctions, client: httpx.Client, reply: Behaviour
) -> None:
    functions.behaviours["helpdesk"] = reply
    answer = client.get("/v1/feedback")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "INTERNAL_SERVER_ERROR"


# WebSocket ----------------------------------------------------------------------------------------


def ws_url(server: HttpServer, query: str = "?token=t") -> str:
    return f"ws://127.0.0.1:{server.port}/ws{query}"


def test_the_websocket_lifecycle_events(functions: FakeFunctions, server: HttpServer) -> None:
    functions.behaviours[WEBSOCKET] = lambda event: {"statusCode": 200, "body": f"echo {event.get('body')}"}
    with connect(ws_url(server, "?token=abc")) as socket:
        socket.send('{"action":"ping"}')
        assert socket.recv(timeout=5) == 'echo {"action":"ping"}'
    assert wait_until(lambda: len(functions.events(WEBSOCKET)) == 3)

    [authorizer] = functions.events(AUTHORIZER)
    assert authorizer["methodArn"].endswith("/v1/$connect")
    assert authorizer["queryStringParameters"] == {"token": "abc"}
    assert authorizer["requestContext"]["routeKey"] == "$connect"

    connect_event, message, disconnect = functions.events(WEBSOCKET)
    connection_id = connect_event["requestContext"]["connectionId"]
    assert [e["requestContext"]["routeKey"] for e in (connect_event, message, disconnect)] == [
        "$connect",
        "$default",
        "$disconnect",
    ]
    assert [e["requestContext"]["eventType"] for e in (connect_event, message, disconnect)] == [
        "CONNECT",
        "MESSAGE",
        "DISCONNECT",
    ]
    assert {e["requestContext"]["connectionId"] for e in (message, disconnect)} == {connection_id}
    assert connect_event["queryStringParameters"] == {"token": "abc"}
    assert connect_event["requestContext"]["authorizer"]["orgId"] == "org_1"
    assert message["body"] == '{"action":"ping"}'
    assert message["requestContext"]["authorizer"]["principalId"] == "usr_1"
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000


@pytest.mark.parametrize(
    ("authorizer", "connect_reply", "status"),
    [
        (raise_("Unauthorized"), None, 401),
        (allow(policy={"Statement": [{**STATEMENT, "Effect": "Deny"}]}), None, 403),
        (raise_("boom"), None, 500),
        (allow(), {"statusCode": 400}, 400),
        (allow(), {"statusCode": 403}, 403),
    ],
    ids=["unauthorized", "deny", "authorizer error", "$connect 400", "$connect 403"],
)
def test_refused_handshakes_carry_the_status(
    functions: FakeFunctions,
    server: HttpServer,
    authorizer: Behaviour,
    connect_reply: dict[str, Any] | None,
    status: int,
) -> None:
    functions.behaviours[AUTHORIZER] = authorizer
    if connect_reply is not None:
        functions.behaviours[WEBSOCKET] = lambda event: connect_reply
    with pytest.raises(InvalidStatus) as refused, connect(ws_url(server)):
        pass
    assert refused.value.response.status_code == status


@pytest.mark.parametrize("query", ["", "?token=", "?other=x"], ids=["none", "empty", "other parameter"])
def test_a_connect_without_the_token_is_refused_before_the_authorizer_runs(
    functions: FakeFunctions, server: HttpServer, query: str
) -> None:
    # the token is the authorizer's identity source in the stack (topology.websocket_identity_sources)
    with pytest.raises(InvalidStatus) as refused, connect(ws_url(server, query)):
        pass
    assert refused.value.response.status_code == 401
    assert functions.events(AUTHORIZER) == []
    assert functions.events(WEBSOCKET) == []


def test_connect_may_choose_a_subprotocol(functions: FakeFunctions, server: HttpServer) -> None:
    functions.behaviours[WEBSOCKET] = lambda event: {
        "statusCode": 200,
        "headers": {"Sec-WebSocket-Protocol": "docket.v1"},
    }
    with connect(ws_url(server), subprotocols=["docket.v1"]) as socket:  # type: ignore[list-item]
        assert socket.subprotocol == "docket.v1"


def test_a_failing_message_handler_answers_internal_server_error_and_keeps_the_connection(
    functions: FakeFunctions, server: HttpServer
) -> None:
    def websocket(event: dict[str, Any]) -> Any:
        if event["requestContext"]["routeKey"] == "$default" and event["body"] == "crash":
            raise RuntimeError("boom")
        return {"statusCode": 200, "body": "fine"}

    functions.behaviours[WEBSOCKET] = websocket
    with connect(ws_url(server)) as socket:
        socket.send("crash")
        frame = json.loads(socket.recv(timeout=5))
        assert frame["message"] == "Internal server error"
        assert frame["connectionId"]
        assert frame["requestId"]
        socket.send("again")
        assert socket.recv(timeout=5) == "fine"


def test_a_message_over_128_kb_closes_with_1009(functions: FakeFunctions, server: HttpServer) -> None:
    with connect(ws_url(server), max_size=None) as socket:
        socket.send("x" * (128 * 1024 + 1))
        with pytest.raises(Exception, match="1009"):
            socket.recv(timeout=5)


def test_replies_without_body_send_nothing(functions: FakeFunctions, server: HttpServer) -> None:
    functions.behaviours[WEBSOCKET] = lambda event: {"statusCode": 200}
    with connect(ws_url(server)) as socket:
        socket.send("hello")
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)


def test_post_to_connection_sends_text_or_binary(functions: FakeFunctions, server: HttpServer) -> None:
    with connect(ws_url(server)) as socket:
        assert wait_until(lambda: len(functions.events(WEBSOCKET)) == 1)
        connection_id = functions.events(WEBSOCKET)[0]["requestContext"]["connectionId"]
        url = f"{server.base_url}/@connections/{connection_id}"
        assert httpx.post(url, content=b'{"type":"x"}').status_code == 200
        assert socket.recv(timeout=5) == '{"type":"x"}'
        assert httpx.post(url, content=b"\xff\x00").status_code == 200
        assert socket.recv(timeout=5) == b"\xff\x00"
        too_long = httpx.post(url, content=b"x" * (128 * 1024 + 1))
        assert too_long.status_code == 413
        assert too_long.headers["x-amzn-ErrorType"] == "PayloadTooLargeException"
