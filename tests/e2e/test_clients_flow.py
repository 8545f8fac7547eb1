"""Clients end to end on the emulator: seed 000's and seed 004's client requests exactly as printed,
seed 004's `CredKitAPI` client code as written (but for the host), and a client's change pushed
over the WebSocket as seed 004's `client_updated`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
from websockets.sync.client import connect

from infra.local.server import Emulator
from tests.e2e.test_event_flow import wait_for

pytestmark = pytest.mark.e2e

PERMISSIONS = ("clients:read", "clients:write", "clients:delete", "pipeline:manage")

#: seed 000, "POST /clients", the request body as printed
SEED_000_CLIENT = """{
  "name": "ABC Corporation",
  "email": "contact@abccorp.com",
  "phone": "+91-9876543210",
  "type": "corporate",
  "address": {
    "street": "456 Business Ave",
    "city": "Mumbai",
    "state": "Maharashtra",
    "zipCode": "400002",
    "country": "India"
  },
  "contactPerson": {
    "name": "John Smith",
    "email": "john@abccorp.com",
    "phone": "+91-9876543211"
  }
}"""

#: seed 004, "Create Client", as printed
SEED_004_CLIENT = """{
  "first_name": "John",
  "last_name": "Doe",
  "email": "john.doe@example.com",
  "phone": "+1-555-0123"
}"""


# --- seed 004's Python SDK example, as written ---------------------------------------------------
class CredKitAPI:
    def __init__(self, base_url, token):  # type: ignore[no-untyped-def]
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def get_clients(self, search=None):  # type: ignore[no-untyped-def]
        params = {"search": search} if search else {}
        response = requests.get(f"{self.base_url}/api/v1/clients/", headers=self.headers, params=params)
        return response.json()

    def create_task(self, task_data):  # type: ignore[no-untyped-def]
        response = requests.post(f"{self.base_url}/api/v1/tasks/", headers=self.headers, json=task_data)
        return response.json()


def firm_member(token_for: Callable[..., str]) -> tuple[str, dict[str, str]]:
    org_id = f"org_cl{secrets.token_hex(4)}"
    token = token_for(f"usr_{secrets.token_hex(4)}", org_id, permissions=PERMISSIONS)
    return token, {"Authorization": f"Bearer {token}"}


def seed_request(
    emulator: Emulator,
    method: str,
    url: str,
    auth: dict[str, str],
    body: str | None = None,
    content_type: str | None = None,
) -> httpx.Response:
    """A request as a seed prints it: its headers and body, nothing else."""
    headers = dict(auth)
    if content_type:
        headers["Content-Type"] = content_type
    return httpx.request(
        method,
        f"{emulator.base_url}{url}",
        headers=headers,
        content=body.encode() if body is not None else None,
        timeout=20,
    )


def test_seed_000_client_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    _, auth = firm_member(token_for)
    # POST /clients as seed 000 prints it: the Authorization header and the JSON body, no Content-Type
    created = seed_request(emulator, "POST", "/v1/clients", auth, SEED_000_CLIENT)
    assert created.status_code == 201, created.text
    client = created.json()["data"]
    assert client["name"] == "ABC Corporation"
    assert client["contactPerson"]["name"] == "John Smith"
    client_id = client["id"]
    # GET /clients with every documented query parameter
    listed = seed_request(
        emulator,
        "GET",
        "/v1/clients?page=1&limit=20&search=abc&status=active&type=corporate&sortBy=name&sortOrder=asc",
        auth,
    )
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["data"]["clients"]] == [client_id]
    plain = seed_request(emulator, "GET", "/v1/clients", auth)
    assert plain.status_code == 200
    assert plain.json()["data"]["pagination"]["limit"] == 20
    # GET, PUT, DELETE /clients/{clientId}
    got = seed_request(emulator, "GET", f"/v1/clients/{client_id}", auth)
    assert got.status_code == 200
    assert got.headers["ETag"] == '"v1"'
    put = seed_request(
        emulator, "PUT", f"/v1/clients/{client_id}", auth, '{"status": "inactive"}', "application/json"
    )
    assert put.status_code == 200, put.text
    assert put.json()["data"]["status"] == "inactive"
    deleted = seed_request(emulator, "DELETE", f"/v1/clients/{client_id}", auth)
    assert deleted.status_code == 200, deleted.text
    assert seed_request(emulator, "GET", f"/v1/clients/{client_id}", auth).status_code == 404


def test_seed_004_client_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    _, auth = firm_member(token_for)
    # POST /api/v1/clients/ with Content-Type: application/json and the body as printed
    created = seed_request(emulator, "POST", "/api/v1/clients/", auth, SEED_004_CLIENT, "application/json")
    assert created.status_code == 201, created.text
    client = created.json()["data"]
    assert (client["firstName"], client["lastName"], client["email"]) == (
        "John",
        "Doe",
        "john.doe@example.com",
    )
    assert client["tenantId"].startswith("org_cl")
    # GET /api/v1/clients/ (default 50) and GET /api/v1/clients/?limit=20&offset=40
    listed = seed_request(emulator, "GET", "/api/v1/clients/", auth)
    assert listed.status_code == 200
    assert listed.json()["data"]["pagination"]["limit"] == 50
    assert [c["id"] for c in listed.json()["data"]["clients"]] == [client["id"]]
    deep = seed_request(emulator, "GET", "/api/v1/clients/?limit=20&offset=40", auth)
    assert deep.status_code == 200
    assert deep.json()["data"]["clients"] == []
    assert deep.json()["data"]["pagination"]["offset"] == 40
    assert deep.json()["data"]["pagination"]["hasPrev"] is True
    # GET /api/v1/clients/?search=john
    found = seed_request(emulator, "GET", "/api/v1/clients/?search=john", auth)
    assert found.status_code == 200
    assert [c["id"] for c in found.json()["data"]["clients"]] == [client["id"]]


def test_seed_004_sdk_get_clients_runs_as_written(emulator: Emulator, token_for: Callable[..., str]) -> None:
    token, auth = firm_member(token_for)
    made = seed_request(emulator, "POST", "/api/v1/clients/", auth, SEED_004_CLIENT, "application/json")
    assert made.status_code == 201
    seed_request(
        emulator,
        "POST",
        "/api/v1/clients/",
        auth,
        '{"first_name": "Jane", "last_name": "Roe"}',
        "application/json",
    )
    # Usage, as the seed writes it (the host is the emulator's)
    api = CredKitAPI(emulator.base_url, token)
    clients = api.get_clients(search="john")
    assert clients["success"] is True
    assert [c["id"] for c in clients["data"]["clients"]] == [made.json()["data"]["id"]]
    everyone = api.get_clients()
    assert len(everyone["data"]["clients"]) == 2


def test_a_client_update_is_pushed_to_the_firm_as_client_updated(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    token, auth = firm_member(token_for)
    made = api.post("/clients", json={"first_name": "Wes", "last_name": "Socket"}, headers=auth)
    assert made.status_code == 201
    client_id = made.json()["data"]["id"]
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert wait_for(socket, "pong", timeout=5)
        # When the client's stage-less details change
        changed = api.put(f"/clients/{client_id}", json={"phone": "+1-555-0199"}, headers=auth)
        assert changed.status_code == 200
        # Then the firm's socket gets seed 000's `client:updated`, also known as seed 004's `client_updated`
        frame: dict[str, Any] = wait_for(socket, "client.updated")
        assert frame["event"] == "client:updated"
        assert frame["aliases"] == ["client_updated"]
        assert frame["entityId"] == client_id
        assert frame["data"]["phone"] == "+1-555-0199"
        assert "searchWords" not in frame["data"]
