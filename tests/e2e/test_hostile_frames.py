"""Over the emulator's WebSocket: a frame json.loads cannot read safely gets Docket's error frame,
not API Gateway's "Internal server error" (what a failing `$default` function produces)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "frame",
    ["[" * 5000 + "]" * 5000, '{"action": "ping", "n": 1' + "0" * 5000 + "}"],
    ids=["5000 levels deep", "5000-digit number"],
)
def test_a_frame_too_deep_or_too_big_a_number_gets_a_validation_error_frame(
    ws_connect: Callable[..., Any], token_for: Callable[..., str], frame: str
) -> None:
    with ws_connect(token_for("usr_deep", "org_deep")) as socket:
        # When the client sends the frame
        socket.connection.send(frame)
        # Then the function answers its own error frame, and the connection still works
        reply = socket.recv_json()
        assert reply["type"] == "error", reply
        assert reply["error"]["code"] == "VALIDATION_ERROR"
        assert socket.ping()["type"] == "pong"


def test_a_deep_rest_body_is_a_400_over_http(api: httpx.Client, token_for: Callable[..., str]) -> None:
    token = token_for("usr_deep", "org_deep", permissions=("feedback:write",))
    reply = api.post(
        "/feedback",
        content=("[" * 5000 + "]" * 5000).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert reply.status_code == 400, reply.text
    assert json.loads(reply.text)["error"]["details"][0]["type"] == "json_too_deep"
