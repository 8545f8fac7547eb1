"""Firm members, clients and tasks for the tasks, disputes and calendar tests (in process, on moto)."""

from __future__ import annotations

from typing import Any

from docket.security.principal import Principal
from tests.integration.support import Reply, call

ALICE = Principal(
    user_id="usr_alice",
    org_id="org_A",
    permissions=(
        "tasks:read",
        "tasks:write",
        "tasks:delete",
        "disputes:read",
        "disputes:write",
        "disputes:delete",
        "calendar:read",
        "calendar:write",
        "clients:read",
        "clients:write",
    ),
)
BOB = Principal(user_id="usr_bob", org_id="org_A", permissions=("tasks:read",))
MALLORY = Principal(user_id="usr_mallory", org_id="org_B", permissions=ALICE.permissions)


def enroll(principal: Principal, *, status: str = "active") -> None:
    """`principal` as a member of its firm (a membership item, as joining writes it)."""
    from docket.identity import accounts

    pk, sk = accounts.membership_key(principal.org_id, principal.user_id)
    accounts.Membership(
        pk=pk,
        sk=sk,
        org_id=principal.org_id,
        user_id=principal.user_id,
        roles=["staff"],
        status=status,
        joined_at="2026-01-01T00:00:00.000Z",
    ).save()


def new_client(principal: Principal = ALICE, name: str = "John Doe") -> str:
    reply = call("clients", "POST", "/api/v1/clients/", principal=principal, body={"name": name})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def create_task(principal: Principal = ALICE, base: str = "/api/v1", **fields: Any) -> Reply:
    body = {"title": "Review credit report", **fields}
    return call("tasks", "POST", f"{base}/tasks/", principal=principal, body=body)


def new_task(principal: Principal = ALICE, **fields: Any) -> str:
    reply = create_task(principal, **fields)
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def list_tasks(principal: Principal = ALICE, **query: str) -> Reply:
    return call("tasks", "GET", "/api/v1/tasks/", principal=principal, query=query)


def task_ids(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [t["id"] for t in reply.data["tasks"]]
