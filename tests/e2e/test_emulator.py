"""The emulator behaves like API Gateway where it matters to clients and functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from docket import mail
from docket.events import push
from infra.local.pumps import wait_until

pytestmark = pytest.mark.e2e


def test_anonymous_websocket_ping_pong_and_actions_needing_a_user_are_refused(emulator: Any) -> None:
    with connect(emulator.ws_url) as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert json.loads(socket.recv(timeout=5))["type"] == "pong"
        socket.send("not json")
        assert json.loads(socket.recv(timeout=5))["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("path", ["/ws", "/v1/ws", "/api/v1/ws", "/api/ws"])
def test_websocket_is_served_under_every_base_path(emulator: Any, path: str) -> None:
    with connect(emulator.base_url.replace("http", "ws") + path) as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert json.loads(socket.recv(timeout=5))["type"] == "pong"


def test_a_forged_token_cannot_open_a_websocket(emulator: Any) -> None:
    with pytest.raises(InvalidStatus) as refused, connect(f"{emulator.ws_url}?token=forged"):
        pass
    assert refused.value.response.status_code == 401


def test_connections_api_delivers_to_live_sockets_and_reports_gone_ones(
    emulator: Any, token_for: Callable[..., str]
) -> None:
    management = boto3.client("apigatewaymanagementapi", endpoint_url=emulator.base_url)
    token = token_for("usr_ws", "org_ws")
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        [connection] = push.connections_of_user("org_ws", "usr_ws")
        management.post_to_connection(ConnectionId=connection.connection_id, Data=b'{"hello":"world"}')
        assert json.loads(socket.recv(timeout=5)) == {"hello": "world"}
        info = management.get_connection(ConnectionId=connection.connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
    with pytest.raises(ClientError) as gone:
        management.post_to_connection(ConnectionId="not-a-connection", Data=b"{}")
    assert gone.value.response["Error"]["Code"] == "GoneException"


def test_disconnect_forgets_the_connection_and_pushing_to_a_stale_one_removes_it(
    emulator: Any, token_for: Callable[..., str]
) -> None:
    token = token_for("usr_stale", "org_stale")
    with connect(f"{emulator.ws_url}?token={token}"):
        assert len(push.connections_of_org("org_stale")) == 1
    # $disconnect ran when the socket closed
    assert wait_until(lambda: push.connections_of_org("org_stale") == [])
    stale = push.remember("conn-that-closed", "org_stale", "usr_stale")
    assert push.send(stale, {"type": "test"}) is False
    assert [c.connection_id for c in push.connections_of_org("org_stale")] == []


def test_mail_sent_through_ses_is_in_the_local_mailbox(emulator: Any, mailbox: Callable[..., Any]) -> None:
    mail.send(
        "client@example.com", "Your hearing is tomorrow", "See you at 10.", "<p>See you at <b>10</b>.</p>"
    )
    [latest] = mailbox(to="client@example.com")
    assert latest["subject"] == "Your hearing is tomorrow"
    assert latest["text"].strip() == "See you at 10."
    assert "<b>10</b>" in latest["html"]
    assert mailbox(to="nobody@example.com") == []


def test_unknown_routes_are_404_envelopes_and_unknown_schedules_404(emulator: Any) -> None:
    reply = httpx.get(f"{emulator.base_url}/v1/no-such-thing", timeout=10)
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert httpx.post(f"{emulator.base_url}/_local/schedules/nope", timeout=10).status_code == 404
