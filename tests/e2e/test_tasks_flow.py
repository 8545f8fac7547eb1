"""Tasks and disputes end to end on the emulator: seed 004's task, bulk and dispute requests exactly
as printed, seed 004's `CredKitAPI.create_task` as written (but for the host), and a task's changes
pushed over the WebSocket as seed 004's `task_created` / `task_updated`."""

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

PERMISSIONS = (
    "tasks:read",
    "tasks:write",
    "tasks:delete",
    "disputes:read",
    "disputes:write",
    "clients:read",
    "clients:write",
)

#: seed 004, "Create Task", as printed
SEED_004_TASK = """{
  "title": "Review credit report",
  "description": "Analyze credit report for disputable items",
  "priority": "high",
  "due_date": "2024-01-20",
  "client_id": "client-uuid",
  "assigned_to": "user-uuid"
}"""

#: seed 004, "Bulk Update Tasks", as printed
SEED_004_BULK_UPDATE = """[
  {
    "id": "task-uuid-1",
    "status": "completed"
  },
  {
    "id": "task-uuid-2",
    "priority": "high"
  }
]"""

#: seed 004, "Bulk Delete", as printed
SEED_004_BULK_DELETE = """{
  "task_ids": ["uuid-1", "uuid-2", "uuid-3"]
}"""

#: seed 004, "Create Dispute", as printed
SEED_004_DISPUTE = """{
  "title": "Dispute late payment - Capital One",
  "client_id": "client-uuid"
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


def firm_member(token_for: Callable[..., str]) -> tuple[str, str, dict[str, str]]:
    """A member of a fresh firm: (user id, token, headers)."""
    user_id = f"usr_{secrets.token_hex(4)}"
    token = token_for(user_id, f"org_tk{secrets.token_hex(4)}", permissions=PERMISSIONS)
    return user_id, token, {"Authorization": f"Bearer {token}"}


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


def new_client(emulator: Emulator, auth: dict[str, str]) -> str:
    made = seed_request(
        emulator,
        "POST",
        "/api/v1/clients/",
        auth,
        '{"first_name": "John", "last_name": "Doe"}',
        "application/json",
    )
    assert made.status_code == 201, made.text
    return str(made.json()["data"]["id"])


def test_seed_004_task_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    user_id, _, auth = firm_member(token_for)
    # POST /api/v1/tasks/ as printed: `client-uuid` is not a client id (a 400 naming the field as sent)
    placeholder = seed_request(emulator, "POST", "/api/v1/tasks/", auth, SEED_004_TASK, "application/json")
    assert placeholder.status_code == 400, placeholder.text
    assert [d["field"] for d in placeholder.json()["error"]["details"]] == ["client_id"]
    # and `user-uuid`, which could be a user id, is no member of the firm
    stranger = SEED_004_TASK.replace("client-uuid", new_client(emulator, auth))
    refused = seed_request(emulator, "POST", "/api/v1/tasks/", auth, stranger, "application/json")
    assert refused.status_code == 400, refused.text
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["assignedTo"]
    # and with the firm's own ids in their place it is created
    client_id = new_client(emulator, auth)
    assert seed_request(emulator, "GET", "/api/v1/tasks/", auth).json()["data"]["tasks"] == []
    real = SEED_004_TASK.replace("client-uuid", client_id).replace("user-uuid", user_id)
    created = seed_request(emulator, "POST", "/api/v1/tasks/", auth, real, "application/json")
    assert created.status_code == 201, created.text
    task = created.json()["data"]
    assert (task["title"], task["priority"], task["dueDate"]) == (
        "Review credit report",
        "high",
        "2024-01-20",
    )
    assert (task["clientId"], task["assignedTo"], task["status"]) == (client_id, user_id, "todo")
    # GET /api/v1/tasks/ and the documented query parameters
    listed = seed_request(emulator, "GET", "/api/v1/tasks/", auth)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["data"]["tasks"]] == [task["id"]]
    query = "search=credit&status=todo&priority=high&assigned_to=" + user_id
    query += "&sort_by=created_at&sort_order=desc&limit=10&offset=0"
    filtered = seed_request(emulator, "GET", f"/api/v1/tasks/?{query}", auth)
    assert filtered.status_code == 200, filtered.text
    assert [t["id"] for t in filtered.json()["data"]["tasks"]] == [task["id"]]
    # "Multiple filters", as printed: nobody is `user-id`
    multiple = seed_request(
        emulator, "GET", "/api/v1/tasks/?status=pending&priority=high&assigned_to=user-id", auth
    )
    assert multiple.status_code == 200, multiple.text
    assert multiple.json()["data"]["tasks"] == []
    # GET, PUT, DELETE /tasks/{id}
    path = f"/api/v1/tasks/{task['id']}"
    assert seed_request(emulator, "GET", path, auth).headers["ETag"] == '"v1"'
    put = seed_request(emulator, "PUT", path, auth, '{"status": "in_progress"}', "application/json")
    assert put.status_code == 200, put.text
    assert seed_request(emulator, "DELETE", path, auth).status_code == 200
    assert seed_request(emulator, "GET", path, auth).status_code == 404


def test_seed_004_bulk_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    _, _, auth = firm_member(token_for)
    # POST /api/v1/tasks/bulk-update as printed: a result per item (its placeholder ids are no tasks)
    updated = seed_request(
        emulator, "POST", "/api/v1/tasks/bulk-update", auth, SEED_004_BULK_UPDATE, "application/json"
    )
    assert updated.status_code == 200, updated.text
    outcome = updated.json()["data"]
    assert [(r["id"], r["status"]) for r in outcome["results"]] == [
        ("task-uuid-1", 404),
        ("task-uuid-2", 404),
    ]
    assert (outcome["succeeded"], outcome["failed"]) == (0, 2)
    # POST /api/v1/tasks/bulk-delete as printed
    deleted = seed_request(
        emulator, "POST", "/api/v1/tasks/bulk-delete", auth, SEED_004_BULK_DELETE, "application/json"
    )
    assert deleted.status_code == 200, deleted.text
    assert [r["status"] for r in deleted.json()["data"]["results"]] == [404, 404, 404]
    # and with real tasks in their place both do their work
    made = [
        seed_request(
            emulator, "POST", "/api/v1/tasks/", auth, json.dumps({"title": f"Task {n}"}), "application/json"
        )
        for n in range(3)
    ]
    ids = [m.json()["data"]["id"] for m in made]
    real_update = SEED_004_BULK_UPDATE.replace("task-uuid-1", ids[0]).replace("task-uuid-2", ids[1])
    done = seed_request(emulator, "POST", "/api/v1/tasks/bulk-update", auth, real_update, "application/json")
    assert [r["status"] for r in done.json()["data"]["results"]] == [200, 200]
    assert done.json()["data"]["results"][0]["task"]["status"] == "completed"
    real_delete = (
        SEED_004_BULK_DELETE.replace("uuid-1", ids[0]).replace("uuid-2", ids[1]).replace("uuid-3", ids[2])
    )
    gone = seed_request(emulator, "POST", "/api/v1/tasks/bulk-delete", auth, real_delete, "application/json")
    assert gone.json()["data"]["succeeded"] == 3
    assert seed_request(emulator, "GET", "/api/v1/tasks/", auth).json()["data"]["tasks"] == []


def test_seed_004_dispute_requests_as_printed(emulator: Emulator, token_for: Callable[..., str]) -> None:
    _, _, auth = firm_member(token_for)
    # GET /api/v1/disputes/ (none yet)
    empty = seed_request(emulator, "GET", "/api/v1/disputes/", auth)
    assert empty.status_code == 200
    assert empty.json()["data"]["disputes"] == []
    # POST /api/v1/disputes/ as printed: `client-uuid` is no client of the firm
    placeholder = seed_request(
        emulator, "POST", "/api/v1/disputes/", auth, SEED_004_DISPUTE, "application/json"
    )
    assert placeholder.status_code == 400
    assert [d["field"] for d in placeholder.json()["error"]["details"]] == ["client_id"]
    client_id = new_client(emulator, auth)
    body = SEED_004_DISPUTE.replace("client-uuid", client_id)
    created = seed_request(emulator, "POST", "/api/v1/disputes/", auth, body, "application/json")
    assert created.status_code == 201, created.text
    dispute = created.json()["data"]
    assert (dispute["title"], dispute["status"]) == ("Dispute late payment - Capital One", "draft")
    listed = seed_request(emulator, "GET", "/api/v1/disputes/", auth)
    assert [d["id"] for d in listed.json()["data"]["disputes"]] == [dispute["id"]]


def test_seed_004_sdk_create_task_runs_as_written(emulator: Emulator, token_for: Callable[..., str]) -> None:
    user_id, token, auth = firm_member(token_for)
    client_id = new_client(emulator, auth)
    # Usage, as the seed writes it (the host is the emulator's)
    api = CredKitAPI(emulator.base_url, token)
    clients = api.get_clients(search="john")
    assert [c["id"] for c in clients["data"]["clients"]] == [client_id]
    task = api.create_task(
        {
            "title": "Review credit report",
            "description": "Analyze credit report for disputable items",
            "priority": "high",
            "due_date": "2024-01-20",
            "client_id": client_id,
            "assigned_to": user_id,
        }
    )
    assert task["success"] is True, task
    assert task["data"]["clientId"] == client_id
    assert task["data"]["assignedTo"] == user_id


def test_task_changes_are_pushed_as_task_created_and_task_updated(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    _, token, auth = firm_member(token_for)
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert wait_for(socket, "pong", timeout=5)
        # When a task is created, then completed
        made = api.post("/tasks", json={"title": "Pushed task"}, headers=auth)
        assert made.status_code == 201
        task_id = made.json()["data"]["id"]
        created: dict[str, Any] = wait_for(socket, "task.created")
        # Then the firm's socket gets seed 004's `task_created`, then `task_updated`
        assert created["aliases"] == ["task_created"]
        assert created["entityId"] == task_id
        assert "searchWords" not in created["data"]
        changed = api.put(f"/tasks/{task_id}", json={"status": "completed"}, headers=auth)
        assert changed.status_code == 200
        updated: dict[str, Any] = wait_for(socket, "task.updated")
        assert updated["aliases"] == ["task_updated"]
        assert updated["data"]["status"] == "completed"
        assert "status" in updated["changes"]


def test_a_dispute_move_is_pushed_as_dispute_status_changed(
    emulator: Emulator, api: httpx.Client, token_for: Callable[..., str]
) -> None:
    _, token, auth = firm_member(token_for)
    client_id = new_client(emulator, auth)
    made = api.post("/disputes", json={"title": "Late payment", "client_id": client_id}, headers=auth)
    assert made.status_code == 201, made.text
    dispute_id = made.json()["data"]["id"]
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        assert wait_for(socket, "pong", timeout=5)
        # When the dispute is sent
        sent = api.put(f"/disputes/{dispute_id}", json={"status": "sent"}, headers=auth)
        assert sent.status_code == 200, sent.text
        # Then the firm's socket gets seed 004's `dispute_status_changed`, with the due date
        frame: dict[str, Any] = wait_for(socket, "dispute.status_changed")
        assert frame["aliases"] == ["dispute_status_changed"]
        assert (frame["data"]["disputeId"], frame["data"]["fromStatus"], frame["data"]["toStatus"]) == (
            dispute_id,
            "draft",
            "sent",
        )
        assert frame["data"]["dueAt"] == sent.json()["data"]["dueAt"]
