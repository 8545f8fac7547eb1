"""Calendar events over the calendar Lambda (seed 000's `/calendar/events`), in process on moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.integration.tasks_support import ALICE, BOB, MALLORY, enroll, new_client

#: seed 000, "POST /calendar/events", the body as printed but for its ids
MEETING: dict[str, Any] = {
    "title": "Client Meeting",
    "description": "Initial consultation with client",
    "start": "2025-01-20T10:00:00Z",
    "end": "2025-01-20T11:00:00Z",
    "type": "meeting",
    "location": "Conference Room A",
    "attendees": ["usr_alice", "usr_bob"],
    "reminder": 30,
}


def schedule(principal: Any = ALICE, **fields: Any) -> Reply:
    return call("calendar", "POST", "/v1/calendar/events", principal=principal, body=fields)


def new_event(**fields: Any) -> str:
    body = {"title": "Event", "start": "2025-01-20T10:00:00Z", "end": "2025-01-20T11:00:00Z", **fields}
    reply = schedule(**body)
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def events(principal: Any = ALICE, **query: str) -> list[str]:
    reply = call("calendar", "GET", "/v1/calendar/events", principal=principal, query=query)
    assert reply.status == 200, reply.body
    return [e["id"] for e in reply.data["events"]]


def test_seed_000_event_is_scheduled_with_its_attendees_in_utc(aws: Settings) -> None:
    enroll(ALICE)
    enroll(BOB)
    client_id = new_client()
    # When seed 000's event is scheduled (with the firm's own client and members)
    reply = schedule(**{**MEETING, "clientId": client_id, "start": "2025-01-20T15:30:00+05:30"})
    # Then it is stored and answered in UTC, with every field
    assert reply.status == 201, reply.body
    event = reply.data
    assert (event["start"], event["end"]) == ("2025-01-20T10:00:00.000Z", "2025-01-20T11:00:00.000Z")
    assert (event["type"], event["clientId"], event["location"]) == (
        "meeting",
        client_id,
        "Conference Room A",
    )
    assert (event["attendees"], event["reminder"]) == (["usr_alice", "usr_bob"], 30)
    assert reply.headers["ETag"] == '"v1"'
    got = call("calendar", "GET", f"/v1/calendar/events/{event['id']}", principal=ALICE)
    assert got.data == event


def test_attendees_and_the_client_must_be_the_firms(aws: Settings) -> None:
    enroll(ALICE)
    enroll(BOB, status="inactive")
    stranger = schedule(**{**MEETING, "attendees": ["usr_alice", "usr_nobody"]})
    assert stranger.status == 400
    assert stranger.error["details"][0]["field"] == "attendees"
    assert schedule(**{**MEETING, "attendees": ["usr_bob"]}).status == 400
    assert schedule(**{**MEETING, "attendees": [], "clientId": new_client(MALLORY)}).status == 400
    assert schedule(**{**MEETING, "attendees": ["usr_alice", "usr_alice"]}).status == 400
    assert schedule(**{**MEETING, "attendees": [], "end": "2025-01-20T09:00:00Z"}).status == 400
    assert schedule(**{**MEETING, "attendees": [], "type": "party"}).status == 400
    table = boto3.resource("dynamodb").Table(aws.table_name)
    assert [i for i in table.scan()["Items"] if i.get("type") == "calendar_event"] == []


def test_start_and_end_are_a_key_range_not_a_filter(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given events on three days, of two types, one of a client
    client_id = new_client()
    early = new_event(start="2025-01-19T09:00:00Z", end="2025-01-19T10:00:00Z", type="deadline")
    mid = new_event(start="2025-01-20T10:00:00Z", end="2025-01-20T11:00:00Z", clientId=client_id)
    late = new_event(start="2025-01-21T23:30:00Z", end="2025-01-22T00:30:00Z", type="court_date")
    # Then every list is in start order, bounded by start (inclusive) and end (exclusive)
    assert events() == [early, mid, late]
    assert events(start="2025-01-20", end="2025-01-21T23:30:00Z") == [mid]
    assert events(start="2025-01-20T10:00:00Z") == [mid, late]
    assert events(end="2025-01-20T10:00:00Z") == [early]
    assert events(type="court_date") == [late]
    assert events(clientId=client_id, start="2025-01-19", end="2025-01-22") == [mid]
    assert events(MALLORY) == []
    # And the range is the Query's key condition: DynamoDB reads only the events within it
    sent: list[dict[str, Any]] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Query":
            sent.append(params)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    assert events(start="2025-01-20", end="2025-01-21") == [mid]
    [query] = sent
    assert "BETWEEN" in query["KeyConditionExpression"]
    # (PynamoDB's only filter is the item type's: `type IN (calendar_event)`)
    assert query.get("FilterExpression", "").endswith(" IN (:3)")
    # And a range that ends before it starts, or a date that is none, is a 400
    reply = call(
        "calendar",
        "GET",
        "/v1/calendar/events",
        principal=ALICE,
        query={"start": "2025-02-01", "end": "2025-01-01"},
    )
    assert reply.status == 400
    reply = call("calendar", "GET", "/v1/calendar/events", principal=ALICE, query={"start": "next tuesday"})
    assert reply.status == 400


def test_update_moves_the_event_and_checks_new_attendees(aws: Settings) -> None:
    enroll(ALICE)
    enroll(BOB)
    event_id = new_event(attendees=["usr_alice"])
    path = f"/v1/calendar/events/{event_id}"
    moved = call(
        "calendar",
        "PUT",
        path,
        principal=ALICE,
        body={"start": "2025-01-20T09:00:00Z", "attendees": ["usr_alice", "usr_bob"]},
    )
    assert moved.status == 200, moved.body
    assert moved.data["start"] == "2025-01-20T09:00:00.000Z"
    assert moved.headers["ETag"] == '"v2"'
    assert call("calendar", "PUT", path, principal=ALICE, body={"attendees": ["usr_nobody"]}).status == 400
    assert call("calendar", "PUT", path, principal=ALICE, body={"end": "2025-01-20T08:00:00Z"}).status == 400
    same = call("calendar", "PUT", path, principal=ALICE, body={"title": "Event"})
    assert same.headers["ETag"] == '"v2"'
    assert (
        call(
            "calendar", "PUT", path, principal=ALICE, body={"title": "x"}, headers={"If-Match": '"v1"'}
        ).status
        == 412
    )
    # a move re-sorts it: the list by start follows
    assert events(start="2025-01-20T09:00:00Z", end="2025-01-20T09:00:01Z") == [event_id]


def test_delete_and_permissions(aws: Settings) -> None:
    event_id = new_event()
    path = f"/v1/calendar/events/{event_id}"
    assert call("calendar", "GET", path, principal=BOB).status == 403
    assert call("calendar", "GET", path, principal=MALLORY).status == 404
    assert call("calendar", "DELETE", path, principal=MALLORY).status == 404
    assert call("calendar", "DELETE", path, principal=ALICE).status == 200
    assert call("calendar", "GET", path, principal=ALICE).status == 404
    assert events() == []
