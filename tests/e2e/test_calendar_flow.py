"""Calendar end to end on the emulator: seed 000's `/calendar/events` requests exactly as printed
(but for the host), and an event's schedule read back by its time range."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx
import pytest

from infra.local.server import Emulator

pytestmark = pytest.mark.e2e

PERMISSIONS = ("calendar:read", "calendar:write", "clients:read", "clients:write")

#: seed 000, "POST /calendar/events", the request body as printed
SEED_000_EVENT = """{
  "title": "Client Meeting",
  "description": "Initial consultation with client",
  "start": "2025-01-20T10:00:00Z",
  "end": "2025-01-20T11:00:00Z",
  "type": "meeting",
  "caseId": "case_123",
  "clientId": "client_123",
  "location": "Conference Room A",
  "attendees": ["user_123", "user_456"],
  "reminder": 30
}"""


def firm_member(token_for: Callable[..., str]) -> tuple[str, dict[str, str]]:
    user_id = f"usr_{secrets.token_hex(4)}"
    token = token_for(user_id, f"org_ca{secrets.token_hex(4)}", permissions=PERMISSIONS)
    return user_id, {"Authorization": f"Bearer {token}"}


def seed_request(
    emulator: Emulator, method: str, url: str, auth: dict[str, str], body: str | None = None
) -> httpx.Response:
    """A request as seed 000 prints it: the Authorization header and the JSON body, nothing else."""
    content = body.encode() if body is not None else None
    return httpx.request(method, f"{emulator.base_url}{url}", headers=auth, content=content, timeout=20)


def test_seed_000_calendar_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    user_id, auth = firm_member(token_for)
    # POST /calendar/events as printed: its ids (`case_123`, `client_123`) are no ids of the firm
    printed = seed_request(emulator, "POST", "/v1/calendar/events", auth, SEED_000_EVENT)
    assert printed.status_code == 400, printed.text
    fields = {d["field"] for d in printed.json()["error"]["details"]}
    assert {"caseId", "clientId"} <= fields
    # and with the firm's own client and member in their place (no case) it is scheduled
    client = seed_request(emulator, "POST", "/v1/clients", auth, '{"name": "ABC Corporation"}')
    assert client.status_code == 201, client.text
    client_id = client.json()["data"]["id"]
    real = (
        SEED_000_EVENT.replace('"caseId": "case_123",\n', "")
        .replace("client_123", client_id)
        .replace('["user_123", "user_456"]', f'["{user_id}"]')
    )
    created = seed_request(emulator, "POST", "/v1/calendar/events", auth, real)
    assert created.status_code == 201, created.text
    event = created.json()["data"]
    assert (event["start"], event["end"], event["reminder"]) == (
        "2025-01-20T10:00:00.000Z",
        "2025-01-20T11:00:00.000Z",
        30,
    )
    # GET /calendar/events with every documented query parameter
    query = f"start=2025-01-20T00:00:00Z&end=2025-01-21T00:00:00Z&type=meeting&clientId={client_id}"
    listed = seed_request(emulator, "GET", f"/v1/calendar/events?{query}", auth)
    assert listed.status_code == 200, listed.text
    assert [e["id"] for e in listed.json()["data"]["events"]] == [event["id"]]
    outside = seed_request(
        emulator, "GET", "/v1/calendar/events?start=2025-01-21T00:00:00Z&end=2025-02-01T00:00:00Z", auth
    )
    assert outside.json()["data"]["events"] == []
    by_case = seed_request(emulator, "GET", "/v1/calendar/events?caseId=case_123", auth)
    assert by_case.status_code == 200
    assert by_case.json()["data"]["events"] == []
    # GET /calendar/events/{eventId}, as printed (the header alone)
    path = f"/v1/calendar/events/{event['id']}"
    got = seed_request(emulator, "GET", path, auth)
    assert got.status_code == 200
    assert got.headers["ETag"] == '"v1"'
    # PUT /calendar/events/{eventId} as printed, the header alone: nothing to change is a 400 that says so
    bare = seed_request(emulator, "PUT", path, auth)
    assert bare.status_code == 400, bare.text
    assert bare.json()["error"]["details"]
    moved = seed_request(
        emulator, "PUT", path, auth, '{"start": "2025-01-20T09:00:00Z", "location": "Room B"}'
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["start"] == "2025-01-20T09:00:00.000Z"
    # DELETE /calendar/events/{eventId}, as printed
    assert seed_request(emulator, "DELETE", path, auth).status_code == 200
    assert seed_request(emulator, "GET", path, auth).status_code == 404
