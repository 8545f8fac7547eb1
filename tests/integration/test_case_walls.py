"""Ethical walls (issue 9): a restricted case is seen only by its team and the firm's owners — on
every route that returns or touches case-linked data (tests/integration/case_linked.py), an
outsider of the same firm gets 404 or a list without it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from docket.cases import walls
from docket.settings import Settings
from tests.integration.case_linked import CASE_LINKED, CaseLinked
from tests.integration.support import Reply, call
from tests.integration.test_cases import (
    ALICE,
    BOB,
    OWNER,
    READER,
    enroll,
    items_of_type,
    new_case,
    new_client,
)

TITLE = "Zephyrine acquisition"


@dataclass(frozen=True)
class Walled:
    case_id: str
    client_id: str
    number: str
    #: a task and a calendar event of the walled case (Alice's, titled like the case)
    task_id: str
    event_id: str


@pytest.fixture
def walled(aws: Settings) -> Walled:
    """A firm whose attorney Alice walls her case (assigned to her; reader on its team); Bob,
    another attorney of the firm, is outside it."""
    for user in ("usr_owner", "usr_alice", "usr_bob", "usr_reader"):
        enroll("org_A", user)
    client_id = new_client("Zephyr Holdings")
    case_id = new_case(client_id, title=TITLE, assignedTo="usr_alice")
    team = {"restricted": True, "members": ["usr_reader"]}
    reply = call("cases", "PUT", f"/v1/cases/{case_id}/team", principal=ALICE, body=team)
    assert reply.status == 200, reply.body
    number = call("cases", "GET", f"/v1/cases/{case_id}", principal=ALICE).data["caseNumber"]
    task = call("tasks", "POST", "/v1/tasks", principal=ALICE, body={"title": TITLE, "caseId": case_id})
    assert task.status == 201, task.body
    meeting = {
        "title": TITLE,
        "start": "2026-05-04T09:00:00Z",
        "end": "2026-05-04T10:00:00Z",
        "caseId": case_id,
    }
    event = call("calendar", "POST", "/v1/calendar/events", principal=ALICE, body=meeting)
    assert event.status == 201, event.body
    return Walled(case_id, client_id, number, task.data["id"], event.data["id"])


def _send(route: CaseLinked, walled: Walled, principal: object) -> Reply:
    fill = {
        "caseId": walled.case_id,
        "clientId": walled.client_id,
        "search": "zephyrine",
        "taskId": walled.task_id,
        "eventId": walled.event_id,
    }
    query = {name: value.format(**fill) for name, value in route.query.items()}
    return call(
        route.function,
        route.method,
        route.path.format(**fill),
        principal=principal,
        query=query,
        body=route.body,
    )


@pytest.mark.parametrize("route", CASE_LINKED, ids=[route.label for route in CASE_LINKED])
def test_an_outsider_of_the_firm_sees_nothing_of_a_walled_case(walled: Walled, route: CaseLinked) -> None:
    # When Bob, a member of the firm outside the case's team, calls the route
    outsider = _send(route, walled, BOB)
    # Then the case does not exist for him: a 404 naming no case, or a list without it
    text = json.dumps(outsider.body)
    if route.kind == "id":
        assert outsider.status == 404, outsider.body
        assert outsider.error["message"] == f"{route.noun} not found"
    else:
        assert outsider.status == 200, outsider.body
        assert outsider.data["pagination"].get("total") is None
    for secret in (walled.case_id, walled.number, TITLE, walled.task_id, walled.event_id):
        assert secret not in text, (route.label, secret)
    # And the case's team (a reader on it; Alice for the writes) still reaches it: the 404 is the wall
    insider = _send(route, walled, READER if route.method == "GET" else ALICE)
    assert insider.status < 300, (route.label, insider.body)
    if route.kind == "list":
        assert walled.case_id in json.dumps(insider.body), route.label


def test_the_owner_sees_a_walled_case_and_unwalling_opens_it_to_the_firm(walled: Walled) -> None:
    path = f"/v1/cases/{walled.case_id}"
    assert call("cases", "GET", path, principal=OWNER).status == 200
    assert walled.case_id in json.dumps(call("cases", "GET", "/v1/cases", principal=OWNER).body)
    # When Alice takes the wall down
    opened = call("cases", "PUT", f"{path}/team", principal=ALICE, body={"restricted": False})
    assert opened.status == 200, opened.body
    # Then the firm sees it again, and the walls item no longer names it
    assert call("cases", "GET", path, principal=BOB).status == 200
    assert walls.read_walled("org_A") == {}


def test_walling_and_unwalling_are_audited_and_need_walls_manage(walled: Walled, aws: Settings) -> None:
    path = f"/v1/cases/{walled.case_id}/team"
    actions = [a["action"] for a in items_of_type(aws, "audit")]
    assert actions.count("case.walled") == 1
    # a member without walls:manage (the reader, on the team) may not take the wall down
    assert call("cases", "PUT", path, principal=READER, body={"restricted": False}).status == 403
    assert call("cases", "PUT", path, principal=ALICE, body={"restricted": False}).status == 200
    actions = [a["action"] for a in items_of_type(aws, "audit")]
    assert actions.count("case.unwalled") == 1


def test_the_walls_item_follows_the_team_in_the_same_write(walled: Walled) -> None:
    assert walls.read_walled("org_A") == {walled.case_id: frozenset({"usr_alice", "usr_reader"})}
    # When Bob joins the team, he sees it; when the reader leaves it, she does not
    path = f"/v1/cases/{walled.case_id}"
    assert call("cases", "PUT", f"{path}/team", principal=ALICE, body={"members": ["usr_bob"]}).status == 200
    assert walls.read_walled("org_A") == {walled.case_id: frozenset({"usr_alice", "usr_bob"})}
    assert call("cases", "GET", path, principal=BOB).status == 200
    assert call("cases", "GET", path, principal=READER).status == 404
    # And reassigning the case moves the wall with the assignee
    assert call("cases", "PUT", path, principal=ALICE, body={"assignedTo": "usr_owner"}).status == 200
    assert walls.read_walled("org_A") == {walled.case_id: frozenset({"usr_owner", "usr_bob"})}
    assert call("cases", "GET", path, principal=ALICE).status == 404


def test_a_team_member_must_be_an_active_member_of_the_firm(walled: Walled) -> None:
    path = f"/v1/cases/{walled.case_id}/team"
    reply = call("cases", "PUT", path, principal=ALICE, body={"members": ["usr_stranger"]})
    assert reply.status == 400
    assert [d["field"] for d in reply.error["details"]] == ["members"]
    assert walls.read_walled("org_A")[walled.case_id] == frozenset({"usr_alice", "usr_reader"})


def test_the_wall_rule_for_other_case_linked_resources(walled: Walled) -> None:
    # what a task or an event linked to the case calls (docket.cases.walls), with its own noun
    outsider, insider, owner = walls.wall_for(BOB), walls.wall_for(READER), walls.wall_for(OWNER)
    assert outsider.hides(walled.case_id)
    assert not insider.hides(walled.case_id)
    assert not owner.hides(walled.case_id)
    assert not outsider.hides(None)
    assert not outsider.hides("case_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T")
    with pytest.raises(Exception, match="Task not found") as refused:
        outsider.check(walled.case_id, what="Task")
    assert getattr(refused.value, "status", None) == 404


def test_a_walled_cases_update_is_pushed_to_its_team_and_the_owners_alone(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket import realtime
    from docket.events import push
    from docket.events.catalog import DomainEvent
    from docket.events.push import remember

    posted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        push, "send", lambda connection, message: posted.append((connection.user_id, message)) or True
    )
    for user in ("usr_alice", "usr_bob", "usr_reader"):
        remember(f"conn-{user}", "org_A", user, ("attorney",))
    remember("conn-usr_owner", "org_A", "usr_owner", ("owner",))

    def updated(restricted: bool) -> DomainEvent:
        return DomainEvent(
            event_id="evt-1",
            name="case.updated",
            org_id="org_A",
            entity_type="case",
            entity_id="case_1",
            actor_id="usr_alice",
            occurred_at="2026-01-01T00:00:00.000Z",
            changes=["status"],
            data={
                "id": "case_1",
                "status": "in_progress",
                "restricted": restricted,
                "assignedTo": "usr_alice",
                "teamMembers": ["usr_reader"],
            },
        )

    # When a walled case changes, Then only its team and the firm's owner are told, in seed 000's shape
    assert realtime.fan_out(updated(restricted=True)) == 3
    assert sorted(user for user, _ in posted) == ["usr_alice", "usr_owner", "usr_reader"]
    message = posted[0][1]
    assert message["event"] == "case:updated"
    assert (message["caseId"], message["updates"], message["updatedBy"]) == (
        "case_1",
        {"status": "in_progress"},
        "usr_alice",
    )
    assert message["timestamp"] == "2026-01-01T00:00:00.000Z"
    # And an unwalled case's news reaches the whole firm
    posted.clear()
    assert realtime.fan_out(updated(restricted=False)) == 4


def test_every_case_route_is_in_the_wall_test() -> None:
    from infra.tools import openapi

    spec = json.loads(openapi.SPEC_FILE.read_text(encoding="utf-8"))
    served = {
        f"{method.upper()} {path}"
        for path, methods in spec["paths"].items()
        if path.startswith("/cases") or path.endswith("/cases")
        for method in methods
    }
    covered = {f"{route.method} {route.path.removeprefix('/v1')}" for route in CASE_LINKED}
    # creating a case reads none: it is the only case route the wall has nothing to hide on
    assert served - covered == {"POST /cases"}


def test_case_rooms_join_typing_and_a_walled_case_refused(
    walled: Walled, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket import realtime
    from docket.events import push

    posted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        push, "send", lambda connection, message: posted.append((connection.connection_id, message)) or True
    )

    def send(principal: object, connection: str, **frame: Any) -> dict[str, Any] | None:
        return realtime.dispatch(principal, json.dumps(frame), connection)  # type: ignore[arg-type]

    open_case = new_case(walled.client_id, title="Open matter")
    # Given Alice and the reader in the walled case's room, and Bob in the open case's
    assert send(ALICE, "conn-alice", action="case:join", caseId=walled.case_id)["type"] == "case:joined"
    assert send(READER, "conn-reader", action="case:join", caseId=walled.case_id)["type"] == "case:joined"
    assert send(BOB, "conn-bob", action="case:join", caseId=open_case)["type"] == "case:joined"
    # When Bob asks to join the walled case, Then it is not found for him
    refused = send(BOB, "conn-bob", action="case:join", caseId=walled.case_id)
    assert refused["error"] == {"code": "RESOURCE_NOT_FOUND", "message": "Case not found"}
    # And his typing there is refused too (he holds no seat)
    assert send(BOB, "conn-bob", action="collaboration:typing", caseId=walled.case_id)["error"]["code"] == (
        "RESOURCE_NOT_FOUND"
    )
    assert posted == []
    # When Alice types, Then the reader (not Alice, not Bob) is told, in seed 000's shape
    assert (
        send(ALICE, "conn-alice", action="collaboration:typing", caseId=walled.case_id, isTyping=True) is None
    )
    assert [connection for connection, _ in posted] == ["conn-reader"]
    notice = posted[0][1]
    assert notice["type"] == "collaboration:user_typing"
    assert (notice["userId"], notice["caseId"], notice["isTyping"]) == ("usr_alice", walled.case_id, True)
    assert notice["timestamp"]
    # And once the reader leaves, nobody is told
    posted.clear()
    assert send(READER, "conn-reader", action="case:leave", caseId=walled.case_id)["type"] == "case:left"
    send(ALICE, "conn-alice", action="collaboration:typing", caseId=walled.case_id, isTyping=False)
    assert posted == []
    # And a frame without a case id is a validation error
    assert send(ALICE, "conn-alice", action="case:join")["error"]["code"] == "VALIDATION_ERROR"


def test_the_news_of_a_walled_cases_task_reaches_its_team_and_the_owners_alone(
    walled: Walled, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket import realtime
    from docket.events import push
    from docket.events.catalog import DomainEvent
    from docket.events.push import remember

    posted: list[str] = []
    monkeypatch.setattr(push, "send", lambda connection, message: posted.append(connection.user_id) or True)
    for user in ("usr_alice", "usr_bob", "usr_reader"):
        remember(f"conn-{user}", "org_A", user, ("attorney",))
    remember("conn-usr_owner", "org_A", "usr_owner", ("owner",))

    def task_updated(case_id: str | None) -> DomainEvent:
        return DomainEvent(
            event_id="evt-2",
            name="task.updated",
            org_id="org_A",
            entity_type="task",
            entity_id=walled.task_id,
            actor_id="usr_alice",
            occurred_at="2026-01-01T00:00:00.000Z",
            changes=["status"],
            data={"id": walled.task_id, "status": "in_progress", "caseId": case_id},
        )

    # When a task of the walled case changes, Then Bob (outside its team) is not told
    assert realtime.fan_out(task_updated(walled.case_id)) == 3
    assert sorted(posted) == ["usr_alice", "usr_owner", "usr_reader"]
    # And a task of no case reaches the whole firm
    posted.clear()
    assert realtime.fan_out(task_updated(None)) == 4


def test_an_outsider_can_neither_link_to_a_walled_case_nor_reach_its_tasks_in_bulk(walled: Walled) -> None:
    # When Bob names the walled case in a new task or event, Then the case does not exist for him
    task = call("tasks", "POST", "/v1/tasks", principal=BOB, body={"title": "Peek", "caseId": walled.case_id})
    assert (task.status, task.error["message"]) == (404, "Case not found")
    meeting = {"title": "Peek", "start": "2026-05-05T09:00:00Z", "end": "2026-05-05T10:00:00Z"}
    event = call(
        "calendar", "POST", "/v1/calendar/events", principal=BOB, body={**meeting, "caseId": walled.case_id}
    )
    assert (event.status, event.error["message"]) == (404, "Case not found")
    # And the bulk routes answer the walled task as one they do not know, changing nothing
    body = [{"id": walled.task_id, "title": "Seen through the wall"}]
    updated = call("tasks", "POST", "/v1/tasks/bulk-update", principal=BOB, body=body)
    assert updated.data["results"][0]["status"] == 404, updated.body
    removed = call(
        "tasks", "POST", "/v1/tasks/bulk-delete", principal=BOB, body={"task_ids": [walled.task_id]}
    )
    assert removed.data["results"][0]["status"] == 404, removed.body
    kept = call("tasks", "GET", f"/v1/tasks/{walled.task_id}", principal=ALICE)
    assert (kept.status, kept.data["title"]) == (200, TITLE)


def test_a_task_or_event_names_a_live_case_of_the_firm(walled: Walled) -> None:
    # Given a case id no case of the firm has
    unknown = "case_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
    meeting = {"title": "Hearing", "start": "2026-05-05T09:00:00Z", "end": "2026-05-05T10:00:00Z"}
    task = call("tasks", "POST", "/v1/tasks", principal=ALICE, body={"title": "Work", "caseId": unknown})
    event = call(
        "calendar", "POST", "/v1/calendar/events", principal=ALICE, body={**meeting, "caseId": unknown}
    )
    # Then the write is a 400 on caseId, checked in its transaction
    for reply in (task, event):
        assert reply.status == 400, reply.body
        assert reply.error["details"][0]["field"] == "caseId"
    # while the walled case, for its team, is a case like any other
    linked = call(
        "tasks", "POST", "/v1/tasks", principal=ALICE, body={"title": "Work", "caseId": walled.case_id}
    )
    assert linked.status == 201, linked.body
