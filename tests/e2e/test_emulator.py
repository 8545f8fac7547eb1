"""The emulator, with the real functions, behaves like API Gateway where clients and functions care:
base paths, refusals in the error envelope, the WebSocket lifecycle, `@connections`, the mailbox,
the local rotation of the signing keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import jwt
import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import InvalidStatus

from docket import mail
from docket.events import push
from docket.security.keys import parse_key_set
from infra.local.pumps import wait_until
from infra.local.server import Emulator

pytestmark = pytest.mark.e2e


# REST -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/health", "/api/v1/health", "/api/health", "/health", "/v1/health/"])
def test_every_base_path_and_a_trailing_slash_reach_the_same_route(emulator: Emulator, path: str) -> None:
    reply = httpx.get(emulator.base_url + path, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["status"] == "ok"
    assert reply.headers["x-amzn-RequestId"]


@pytest.mark.parametrize("path", ["/v1/no-such-thing", "/v2/health", "/", "/v1"])
def test_unknown_routes_are_404_envelopes(emulator: Emulator, path: str) -> None:
    reply = httpx.post(emulator.base_url + path, json={}, timeout=10)
    assert reply.status_code == 404
    error = reply.json()["error"]
    assert reply.json()["success"] is False
    assert error["code"] == "RESOURCE_NOT_FOUND"
    assert error["requestId"] == reply.headers["x-amzn-RequestId"]
    assert error["timestamp"].endswith("Z")
    assert error["details"] is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no token", "garbage token", "wrong scheme"],
)
def test_a_protected_route_without_a_valid_token_is_401(api: httpx.Client, headers: dict[str, str]) -> None:
    reply = api.get("/feedback", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "AUTHENTICATION_FAILED"


def test_a_browser_app_can_read_a_401_from_the_gateway(api: httpx.Client) -> None:
    # Given a page on another origin calling a protected route without a token
    reply = api.get("/feedback", headers={"Origin": "https://app.firm.example"})
    # Then API Gateway's 401 carries CORS headers (else the page cannot read it) and the challenge
    assert reply.status_code == 401
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" in reply.headers["Access-Control-Expose-Headers"]
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert reply.json()["error"]["code"] == "AUTHENTICATION_FAILED"


def test_a_valid_token_reaches_the_function_with_its_principal(
    api: httpx.Client, token_for: Callable[..., str]
) -> None:
    token = token_for("usr_gw", "org_gw", permissions=("feedback:read",))
    reply = api.get("/feedback", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text


def test_bodies_over_10_mb_are_refused_with_413(api: httpx.Client) -> None:
    reply = api.post(
        "/feedback", content=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


# WebSocket --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ws", "/v1/ws", "/api/v1/ws", "/api/ws"])
def test_ping_pong_under_every_base_path(
    ws_connect: Callable[..., Any], token_for: Callable[..., str], path: str
) -> None:
    with ws_connect(token_for("usr_pp", "org_pp"), path=path) as socket:
        assert socket.ping()["type"] == "pong"


def test_frames_the_function_refuses_get_its_error_frame(
    ws_connect: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    with ws_connect(token_for("usr_frames", "org_frames")) as socket:
        socket.connection.send("not json")
        assert socket.recv_json()["error"]["code"] == "VALIDATION_ERROR"
        socket.send_json({"action": "subscribe"})  # unknown
        assert socket.recv_json()["type"] == "error"


@pytest.mark.parametrize("query", ["", "?token=forged"], ids=["no token", "forged token"])
def test_a_websocket_opens_only_with_a_valid_token(emulator: Emulator, query: str) -> None:
    # no anonymous connections: API Gateway refuses a $connect without the token before the
    # authorizer runs, and the authorizer refuses a bad one — both 401
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as refused, connect(f"{emulator.ws_url}{query}"):
        pass
    assert refused.value.response.status_code == 401


def test_connections_api_delivers_to_live_sockets_and_reports_gone_ones(
    emulator: Emulator, token_for: Callable[..., str], ws_connect: Callable[..., Any]
) -> None:
    management = boto3.client("apigatewaymanagementapi", endpoint_url=emulator.settings.websocket_endpoint)
    with ws_connect(token_for("usr_ws", "org_ws")) as socket:
        socket.ping()
        [connection] = push.connections_of_user("org_ws", "usr_ws")
        management.post_to_connection(ConnectionId=connection.connection_id, Data=b'{"hello":"world"}')
        assert socket.recv_json() == {"hello": "world"}
        info = management.get_connection(ConnectionId=connection.connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"] <= info["LastActiveAt"]
    with pytest.raises(ClientError) as gone:
        management.post_to_connection(ConnectionId="not-a-connection", Data=b"{}")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=connection.connection_id)  # closed now


def test_the_connections_api_can_close_a_connection(
    emulator: Emulator, token_for: Callable[..., str], ws_connect: Callable[..., Any]
) -> None:
    management = boto3.client("apigatewaymanagementapi", endpoint_url=emulator.base_url)
    with ws_connect(token_for("usr_kick", "org_kick")) as socket:
        socket.ping()
        [connection] = push.connections_of_user("org_kick", "usr_kick")
        management.delete_connection(ConnectionId=connection.connection_id)
        with pytest.raises(Exception, match="1001"):
            socket.connection.recv(timeout=5)
    assert wait_until(lambda: push.connections_of_org("org_kick") == [])


def test_disconnect_forgets_the_connection_and_pushing_to_a_stale_one_removes_it(
    token_for: Callable[..., str], ws_connect: Callable[..., Any]
) -> None:
    with ws_connect(token_for("usr_stale", "org_stale")) as socket:
        socket.ping()
        assert len(push.connections_of_org("org_stale")) == 1
    # $disconnect ran when the socket closed
    assert wait_until(lambda: push.connections_of_org("org_stale") == [])
    stale = push.remember("conn-that-closed", "org_stale", "usr_stale")
    assert push.send(stale, {"type": "test"}) is False
    assert [c.connection_id for c in push.connections_of_org("org_stale")] == []


def test_binary_frames_close_the_connection_with_1003(
    ws_connect: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    with ws_connect(token_for("usr_bin", "org_bin")) as socket:
        socket.connection.send(b"\x00\x01")
        with pytest.raises(Exception, match="1003"):
            socket.connection.recv(timeout=5)


# Local-only routes ------------------------------------------------------------------------------


def test_mail_sent_through_ses_is_in_the_local_mailbox(
    emulator: Emulator, mailbox: Callable[..., Any]
) -> None:
    # raw MIME (what docket.mail sends) ...
    mail.send(
        "client@example.com", "Your hearing is tomorrow", "See you at 10.", "<p>See you at <b>10</b>.</p>"
    )
    # ... and a simple send_email
    boto3.client("ses").send_email(
        Source=emulator.settings.mail_sender,
        Destination={"ToAddresses": ["Client <client@example.com>"], "CcAddresses": ["cc@example.com"]},
        Message={"Subject": {"Data": "Invoice INV-2026-0001"}, "Body": {"Text": {"Data": "Due in 30 days."}}},
    )
    latest, previous = mailbox(to="CLIENT@example.com")[:2]
    assert latest["subject"] == "Invoice INV-2026-0001"
    assert latest["text"] == "Due in 30 days."
    assert latest["to"] == ["client@example.com", "cc@example.com"]
    assert latest["from"] == emulator.settings.mail_sender
    assert previous["subject"] == "Your hearing is tomorrow"
    assert previous["to"] == ["client@example.com"]
    assert previous["text"].strip() == "See you at 10."
    assert "<b>10</b>" in previous["html"]
    assert previous["sentAt"] <= latest["sentAt"]
    assert mailbox(to="nobody@example.com") == []


def test_the_mailbox_can_be_cleared(mailbox: Callable[..., Any], clear_mailbox: Callable[[], None]) -> None:
    mail.send("someone@example.com", "Hello", "Hi.")
    assert mailbox()
    clear_mailbox()
    assert mailbox() == []


def test_unknown_schedules_are_404(emulator: Emulator) -> None:
    reply = httpx.post(f"{emulator.base_url}/_local/schedules/nope", timeout=10)
    assert reply.status_code == 404
    assert "schedules" in reply.json()


def test_the_management_endpoint_is_also_served_under_the_stage(
    emulator: Emulator, ws_connect: Callable[..., Any]
) -> None:
    reply = httpx.post(f"{emulator.base_url}/v1/@connections/unknown", content=b"{}", timeout=10)
    assert reply.status_code == 410
    assert reply.headers["x-amzn-ErrorType"] == "GoneException"
    assert json.loads(reply.text) == {"message": "GoneException"}


def test_rotating_the_signing_keys_keeps_old_tokens_working_and_accepts_the_new_key(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    # Given a token signed before the rotation
    before = token_for("usr_rot", "org_rot", permissions=("feedback:read",))
    # When the keys are rotated on the emulator (Secrets Manager's schedule does not run on moto)
    reply = httpx.post(f"{emulator.base_url}/_local/rotate-keys", timeout=30)
    assert reply.status_code == 200, reply.text
    stored = parse_key_set(
        boto3.client("secretsmanager").get_secret_value(
            SecretId=reply.json()["secretId"], VersionStage="AWSCURRENT"
        )["SecretString"]
    )
    assert stored.active_kid != jwt.get_unverified_header(before)["kid"]
    # Then the old token still passes, and so does one signed with the new key
    assert api.get("/feedback", headers={"Authorization": f"Bearer {before}"}).status_code == 200
    claims = jwt.decode(before, options={"verify_signature": False})
    after = jwt.encode(
        claims, stored.active.private_key, algorithm="RS256", headers={"kid": stored.active_kid}
    )
    assert api.get("/feedback", headers={"Authorization": f"Bearer {after}"}).status_code == 200
