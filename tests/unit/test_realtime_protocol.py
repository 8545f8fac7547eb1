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


def test_frames_json_cannot_read_safely_get_an_error_frame_not_a_failure() -> None:
    # A frame nested far deeper than json.loads recurses (its RecursionError failed the function,
    # which API Gateway turns into an "Internal server error" frame), or holding a 5,000-digit number
    for frame in ("[" * 100_000 + "]" * 100_000, '{"action": "ping", "n": 1' + "0" * 5000 + "}"):
        reply = dispatch(MEMBER, frame)
        assert reply is not None
        assert reply["error"]["code"] == "VALIDATION_ERROR"
