"""Cases end to end on the emulator: seed 000's curl flow as printed (login → list, create and update
cases → add activities → list them; only the host and the ids its placeholders stand for differ),
the list's documented filters, a client's cases, and `case:updated` over the WebSocket — to the
firm, and for a walled case to its team alone."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from infra.local.server import Emulator
from tests.e2e.test_clients_flow import seed_request
from tests.e2e.test_event_flow import wait_for
from tests.e2e.test_identity_flow import PASSWORD, register_firm, verification_token

pytestmark = pytest.mark.e2e

#: seed 000, "cURL Examples: Authentication", the login body as printed (its address and password
#: are the firm's own here)
SEED_LOGIN = '{"email":"user@example.com","password":"password123"}'
#: seed 000, "cURL Examples: Case Management: Create case", as printed (`client_123` stands for a
#: client of the firm)
SEED_CREATE = """{
    "title": "Contract Dispute",
    "description": "Contract dispute between parties",
    "clientId": "client_123",
    "priority": "high"
  }"""
#: "Update case", as printed
SEED_UPDATE = """{
    "status": "in_progress",
    "priority": "medium"
  }"""
#: seed 000, "POST /cases/{caseId}/activities", the request body as printed
SEED_ACTIVITY = """{
  "type": "note",
  "description": "Case activity description",
  "timeSpent": 2.5,
  "billable": true
}"""


def logged_in_owner(emulator: Emulator, api: httpx.Client, mailbox: Callable[..., Any]) -> tuple[str, str]:
    """A new firm's owner, verified, signed in with seed 000's login request: `(token, org id)`."""
    email, registered = register_firm(api)
    assert (
        api.get("/auth/verify-email", params={"token": verification_token(mailbox, email)}).status_code == 200
    )
    body = SEED_LOGIN.replace("user@example.com", email).replace("password123", PASSWORD)
    # curl -X POST https://api.raghuuco.com/v1/auth/login -H "Content-Type: application/json" -d '…'
    login = seed_request(emulator, "POST", "/v1/auth/login", {}, body, "application/json")
    assert login.status_code == 200, login.text
    # TOKEN=$(… | jq -r '.data.accessToken')
    return str(login.json()["data"]["accessToken"]), str(registered["organizationId"])


def test_seed_000_case_management_flow_as_printed(
    emulator: Emulator, api: httpx.Client, mailbox: Callable[..., Any]
) -> None:
    token, _ = logged_in_owner(emulator, api, mailbox)
    auth = {"Authorization": f"Bearer {token}"}
    client = api.post("/clients", json={"name": "ABC Corporation"}, headers=auth)
    assert client.status_code == 201, client.text
    client_id = client.json()["data"]["id"]

    # Get cases: curl -X GET https://api.raghuuco.com/v1/cases -H "Authorization: Bearer $TOKEN"
    empty = seed_request(emulator, "GET", "/v1/cases", auth)
    assert empty.status_code == 200, empty.text
    assert empty.json()["data"]["cases"] == []

    # Create case: -H "Authorization…" -H "Content-Type: application/json" -d '{…}'
    created = seed_request(
        emulator, "POST", "/v1/cases", auth, SEED_CREATE.replace("client_123", client_id), "application/json"
    )
    assert created.status_code == 201, created.text
    case = created.json()["data"]
    assert case["caseNumber"].startswith("CASE-")
    assert case["status"] == "open"
    assert (case["title"], case["priority"], case["clientId"]) == ("Contract Dispute", "high", client_id)
    case_id = case["id"]

    # Update case: curl -X PUT https://api.raghuuco.com/v1/cases/case_123 … -d '{…}'
    updated = seed_request(emulator, "PUT", f"/v1/cases/{case_id}", auth, SEED_UPDATE, "application/json")
    assert updated.status_code == 200, updated.text
    assert (updated.json()["data"]["status"], updated.json()["data"]["priority"]) == ("in_progress", "medium")

    # Add activity to case: the endpoint prints the Authorization header and the body (no Content-Type)
    logged = seed_request(emulator, "POST", f"/v1/cases/{case_id}/activities", auth, SEED_ACTIVITY)
    assert logged.status_code == 201, logged.text
    assert logged.json()["data"]["timeSpent"] == 2.5

    # Get case activities
    activities = seed_request(emulator, "GET", f"/v1/cases/{case_id}/activities", auth)
    assert activities.status_code == 200, activities.text
    assert [a["description"] for a in activities.json()["data"]["activities"]] == [
        "Case activity description"
    ]

    # Get case by ID: the case, its billable time in its actual hours, its recent activities
    fetched = seed_request(emulator, "GET", f"/v1/cases/{case_id}", auth)
    assert fetched.status_code == 200
    assert fetched.json()["data"]["actualHours"] == 2.5
    assert [a["type"] for a in fetched.json()["data"]["activities"]] == ["note"]

    # The SDK's list (page 1, limit 20, status open), the documented filters, and the client's cases
    new = api.post("/cases", json={"title": "Lease review", "clientId": client_id}, headers=auth).json()[
        "data"
    ]
    listed = seed_request(emulator, "GET", "/v1/cases?page=1&limit=20&status=open", auth)
    assert [c["id"] for c in listed.json()["data"]["cases"]] == [new["id"]]
    assert listed.json()["data"]["pagination"]["total"] == 1
    for query, expected in (
        (f"search=contract&clientId={client_id}", [case_id]),
        ("priority=medium&sortBy=title&sortOrder=asc", [case_id, new["id"]]),
        (f"dateFrom={case['createdAt'][:10]}&sortBy=createdAt&sortOrder=asc", [case_id, new["id"]]),
        (f"search={case['caseNumber']}", [case_id]),
    ):
        reply = seed_request(emulator, "GET", f"/v1/cases?{query}", auth)
        assert reply.status_code == 200, (query, reply.text)
        assert [c["id"] for c in reply.json()["data"]["cases"]] == expected, query
    # Get client cases
    of_client = seed_request(emulator, "GET", f"/v1/clients/{client_id}/cases", auth)
    assert of_client.status_code == 200, of_client.text
    assert [c["id"] for c in of_client.json()["data"]["cases"]] == [new["id"], case_id]
    # And the client with open cases cannot be deleted
    assert seed_request(emulator, "DELETE", f"/v1/clients/{client_id}", auth).status_code == 409


def test_case_updated_reaches_the_firm_and_a_walled_cases_only_its_team_and_the_owners(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    org_id = f"org_cs{secrets.token_hex(4)}"
    alice, bob = f"usr_al{secrets.token_hex(3)}", f"usr_bo{secrets.token_hex(3)}"
    alice_token = token_for(alice, org_id, roles=("attorney",))
    bob_token = token_for(bob, org_id, roles=("attorney",))
    owner_token = token_for(f"usr_ow{secrets.token_hex(3)}", org_id, roles=("owner",))
    auth = {"Authorization": f"Bearer {alice_token}"}
    client_id = api.post("/clients", json={"name": "Wall Street LLP"}, headers=auth).json()["data"]["id"]

    def new_case(title: str) -> str:
        made = api.post(
            "/cases", json={"title": title, "clientId": client_id, "assignedTo": alice}, headers=auth
        )
        assert made.status_code == 201, made.text
        return str(made.json()["data"]["id"])

    walled, open_case = new_case("Walled matter"), new_case("Open matter")
    team = api.put(f"/cases/{walled}/team", json={"restricted": True}, headers=auth)
    assert team.status_code == 200, team.text
    with (
        connect(f"{emulator.ws_url}?token={alice_token}") as alice_socket,
        connect(f"{emulator.ws_url}?token={bob_token}") as bob_socket,
        connect(f"{emulator.ws_url}?token={owner_token}") as owner_socket,
    ):
        for socket in (alice_socket, bob_socket, owner_socket):
            socket.send(json.dumps({"action": "ping"}))
            assert wait_for(socket, "pong", timeout=5)
        # When the walled case is updated, then the open one
        assert api.put(f"/cases/{walled}", json={"status": "pending"}, headers=auth).status_code == 200
        assert api.put(f"/cases/{open_case}", json={"status": "pending"}, headers=auth).status_code == 200
        # Then Alice, on the walled case's team, hears of both in seed 000's shape
        first = wait_for(alice_socket, "case.updated")
        assert first["event"] == "case:updated"
        assert (first["caseId"], first["updates"], first["updatedBy"]) == (
            walled,
            {"status": "pending"},
            alice,
        )
        assert first["timestamp"]
        assert wait_for(alice_socket, "case.updated")["caseId"] == open_case
        # And so does the firm's owner, who sees every case
        assert wait_for(owner_socket, "case.updated")["caseId"] == walled
        # And Bob, outside its wall, hears of the open case first: nothing of the walled one reached him
        heard = wait_for(bob_socket, "case.updated")
        assert heard["caseId"] == open_case
        assert walled not in json.dumps(heard)
    # And he gets 404 on it
    assert api.get(f"/cases/{walled}", headers={"Authorization": f"Bearer {bob_token}"}).status_code == 404


def test_seed_000_case_room_join_typing_and_updates(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    org_id = f"org_rm{secrets.token_hex(4)}"
    alice, bob = f"usr_al{secrets.token_hex(3)}", f"usr_bo{secrets.token_hex(3)}"
    alice_token = token_for(alice, org_id, roles=("attorney",))
    bob_token = token_for(bob, org_id, roles=("attorney",))
    auth = {"Authorization": f"Bearer {alice_token}"}
    client_id = api.post("/clients", json={"name": "Room LLP"}, headers=auth).json()["data"]["id"]
    case_id = api.post("/cases", json={"title": "Room matter", "clientId": client_id}, headers=auth).json()[
        "data"
    ]["id"]
    with (
        connect(f"{emulator.ws_url}?token={alice_token}") as alice_socket,
        connect(f"{emulator.ws_url}?token={bob_token}") as bob_socket,
    ):
        # socket.emit('case:join', { caseId: 'case_123' }) — our frames name the event as `action`
        for socket in (alice_socket, bob_socket):
            socket.send(json.dumps({"action": "case:join", "caseId": case_id}))
            assert wait_for(socket, "case:joined", timeout=10)["caseId"] == case_id
        # socket.emit('collaboration:typing', { caseId: 'case_123', isTyping: true })
        alice_socket.send(json.dumps({"action": "collaboration:typing", "caseId": case_id, "isTyping": True}))
        typing = wait_for(bob_socket, "collaboration:user_typing")
        assert (typing["userId"], typing["caseId"], typing["isTyping"]) == (alice, case_id, True)
        # And an update of the joined case reaches the room
        assert api.put(f"/cases/{case_id}", json={"priority": "urgent"}, headers=auth).status_code == 200
        updated = wait_for(bob_socket, "case.updated")
        assert (updated["caseId"], updated["updates"]) == (case_id, {"priority": "urgent"})
        bob_socket.send(json.dumps({"action": "case:leave", "caseId": case_id}))
        assert wait_for(bob_socket, "case:left", timeout=10)["caseId"] == case_id
