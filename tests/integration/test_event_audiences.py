"""Who receives a pushed event: the whole organization, or the one user an event type names."""

from __future__ import annotations

from typing import Any

import pytest

from docket import realtime
from docket.events import push
from docket.events.catalog import DomainEvent
from docket.events.push import WsConnection, remember
from docket.settings import Settings


def event(name: str, data: dict[str, object]) -> DomainEvent:
    return DomainEvent(
        event_id="evt-1",
        name=name,
        org_id="org_A",
        entity_type=name.split(".")[0],
        entity_id="x_1",
        occurred_at="2026-01-01T00:00:00.000Z",
        data=data,
    )


def test_an_export_reaches_its_user_alone_and_feedback_the_whole_firm(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two members of a firm connected, one of them twice (the API Gateway management
    # endpoint is the emulator's, not running here: the port that posts records who it posts to)
    posted: list[tuple[str, str]] = []

    def post(connection: WsConnection, message: dict[str, Any]) -> bool:
        posted.append((connection.connection_id, str(message["type"])))
        return True

    monkeypatch.setattr(push, "send", post)
    remember("conn-ada-1", "org_A", "usr_ada")
    remember("conn-ada-2", "org_A", "usr_ada")
    remember("conn-bo", "org_A", "usr_bo")
    # When Ada's export moves on, and when feedback comes in
    private = realtime.fan_out(
        event("data_export.updated", {"id": "x_1", "userId": "usr_ada", "status": "done"})
    )
    public = realtime.fan_out(event("feedback.created", {"id": "x_1", "userId": "usr_bo"}))
    # Then the export reached Ada's two connections only, the feedback everyone's
    assert (private, public) == (2, 3)
    assert sorted(c for c, kind in posted if kind == "data_export.updated") == ["conn-ada-1", "conn-ada-2"]
