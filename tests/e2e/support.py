"""Helpers for driving the emulator's WebSocket API (websockets' sync client)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from websockets.sync.client import ClientConnection, connect


class Socket:
    """A client connection that speaks JSON frames, with timeouts on every receive."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    def send_json(self, message: Any) -> None:
        self.connection.send(json.dumps(message))

    def recv_json(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame, parsed; TimeoutError when none arrives in time."""
        return dict(json.loads(self.connection.recv(timeout=timeout)))

    def wait_for(self, frame_type: str, timeout: float = 15.0) -> dict[str, Any]:
        """The next frame whose `type` is `frame_type`, skipping others (pushes arrive in any order)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            frame = self.recv_json(left)
            if frame.get("type") == frame_type:
                return frame
        raise AssertionError(f"no {frame_type!r} frame within {timeout}s")

    def frames_before_pong(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Every frame that arrives before the answer to a new `ping`. Frames arrive in order on a
        connection, so whatever was pushed to it before the ping is among them: once the pushes
        one wants to rule out are known to be done, `== []` proves they skipped this socket,
        without waiting for a silence that a late frame could outlast."""
        self.send_json({"action": "ping"})
        frames = []
        while (frame := self.recv_json(timeout))["type"] != "pong":
            frames.append(frame)
        return frames

    def ping(self) -> dict[str, Any]:
        """The `ping` action's answer: also proves `$connect` completed."""
        self.send_json({"action": "ping"})
        return self.wait_for("pong", timeout=5.0)


@contextmanager
def open_socket(ws_url: str, token: str | None = None, **query: str) -> Iterator[Socket]:
    """Connect to `ws_url` (`?token=` when given); closes on exit."""
    params = {**({"token": token} if token else {}), **query}
    url = f"{ws_url}?{urlencode(params)}" if params else ws_url
    with connect(url, open_timeout=10, close_timeout=5) as connection:
        yield Socket(connection)
