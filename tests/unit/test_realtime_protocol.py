"""The WebSocket protocol: frames in, replies out."""

from __future__ import annotations

import json

from docket.realtime import dispatch
from docket.security.principal import Principal

MEMBER = Principal(user_id="usr_1", org_id="org_A")


def test_ping_gets_pong() -> None:
    reply = dispatch(MEMBER, json.dumps({"action": "ping"}))
    assert reply is not None
    assert reply["type"] == "pong"


def test_frames_that_are_not_json_objects_with_an_action_are_refused() -> None:
    for frame in ("nope", "[]", json.dumps({"type": "ping"}), None):
        reply = dispatch(MEMBER, frame)
        assert reply is not None
        assert reply["error"]["code"] == "VALIDATION_ERROR"


def test_unknown_actions_name_the_known_ones() -> None:
    reply = dispatch(MEMBER, json.dumps({"action": "fly"}))
    assert reply is not None
    assert "ping" in reply["error"]["message"]
