"""An item written through the API reaches a queue consumer and a WebSocket client:
table stream → publisher → bus → queue → notifier → @connections → socket."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from docket.events.consumer import idempotency_key
from infra.local.pumps import wait_until
from tests.e2e.support import Socket

pytestmark = pytest.mark.e2e

PERMISSIONS = ("feedback:read", "feedback:write")


def next_frame(socket: ClientConnection, timeout: float) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=timeout)))


def wait_for(socket: ClientConnection, kind: str, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind} frame within {timeout}s")
        frame = next_frame(socket, left)
        if frame.get("type") == kind:
            return frame


def test_created_feedback_is_pushed_to_the_tenant_and_only_to_it(
    emulator: Any, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    # Given a member of firm A and a member of firm B, both connected
    alice = token_for("usr_alice", "org_A", permissions=PERMISSIONS)
    bob = token_for("usr_bob", "org_B", permissions=PERMISSIONS)
    with (
        connect(f"{emulator.ws_url}?token={alice}") as a_socket,
        connect(f"{emulator.ws_url}?token={bob}") as b_socket,
    ):
        for socket in (a_socket, b_socket):
            socket.send(json.dumps({"action": "ping"}))
            assert wait_for(socket, "pong", timeout=5)["type"] == "pong"

        # When Alice submits feedback through the API
        created = api.post(
            "/feedback",
            json={"feature": "Calendar", "rating": 4},
            headers={"Authorization": f"Bearer {alice}"},
        )
        assert created.status_code == 201
        feedback_id = created.json()["data"]["id"]

        # Then her firm's socket receives the domain event
        frame = wait_for(a_socket, "feedback.created")
        assert frame["event"] == "feedback:created"
        assert frame["entityId"] == feedback_id
        assert frame["data"]["feature"] == "Calendar"

        # And the notifier consumer recorded the event as handled, once: every push it made for
        # the event is done
        table = boto3.resource("dynamodb").Table(emulator.settings.table_name)
        key = {"pk": idempotency_key("notifier", frame["eventId"]), "sk": "IDEMPOTENCY"}

        def handled() -> bool:
            record = table.get_item(Key=key, ConsistentRead=True).get("Item")
            return record is not None and record["status"] == "COMPLETED"

        assert wait_until(handled, timeout=10)

        # And firm B's socket received nothing of it (frames arrive in order on a connection, so
        # anything pushed to it before its ping arrives before the pong)
        assert Socket(b_socket).frames_before_pong() == []


def test_updates_carry_the_changed_fields(
    emulator: Any, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    token = token_for("usr_carol", "org_C", permissions=("feedback:*",))
    auth = {"Authorization": f"Bearer {token}"}
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        created = api.post("/feedback", json={"feature": "Billing", "rating": 2}, headers=auth).json()["data"]
        wait_for(socket, "feedback.created")
        updated = api.put(f"/feedback/{created['id']}", json={"status": "reviewed"}, headers=auth)
        assert updated.status_code == 200
        frame = wait_for(socket, "feedback.updated")
        assert frame["changes"] == ["status"]
        assert frame["data"]["status"] == "reviewed"
