"""Roles end to end on the emulator: seed 001's role requests exactly as printed, a changed role
reaching its holder's very next request, and the privilege-escalation cases a member may try."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from infra.local.server import Emulator
from tests.e2e.test_identity_flow import PASSWORD
from tests.e2e.test_seed_requests import registered_and_verified
from tests.harness.firms import log_in, sign_up
from tests.members import join_firm as join

pytestmark = pytest.mark.e2e

Mailbox = Callable[..., list[dict[str, Any]]]


def owner_of_a_new_firm(api: httpx.Client, mailbox: Mailbox) -> tuple[dict[str, str], str]:
    """A registered, verified owner's `Authorization` header and organization id."""
    email = f"roles-{secrets.token_hex(4)}@firm.example"
    registered_and_verified(api, mailbox, email)
    login = api.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    data = login.json()["data"]
    return {"Authorization": f"Bearer {data['accessToken']}"}, data["organization"]["id"]


def member_with_role(api: httpx.Client, mailbox: Mailbox, org_id: str, role_ref: str) -> dict[str, str]:
    """Another account, joined to the firm with the role (as an accepted invitation will), signed in."""
    email, user_id, _ = sign_up(api, mailbox, f"member-{secrets.token_hex(3)}")
    join(org_id, user_id, role_ref)
    token, _, roles = log_in(api, email, org_id)
    assert roles == [role_ref]
    return {"Authorization": f"Bearer {token}"}


def seed_request(
    emulator: Emulator, method: str, path: str, auth: dict[str, str], body: str | None = None
) -> Any:
    """A request as seed 001 prints it: `Authorization: Bearer <token>`, and `Content-Type:
    application/json` with the body when there is one (nothing else)."""
    headers = dict(auth)
    if body is not None:
        headers["Content-Type"] = "application/json"
    return httpx.request(
        method,
        f"{emulator.base_url}/api{path}",
        headers=headers,
        content=body.encode() if body is not None else None,
        timeout=20,
    )


def test_seed_001_role_requests_as_printed(api: httpx.Client, emulator: Emulator, mailbox: Mailbox) -> None:
    # Given a firm's owner
    auth, _ = owner_of_a_new_firm(api, mailbox)

    # When seed 001's client lists, creates, updates, reads the catalogue and counts, and deletes
    listed = seed_request(emulator, "GET", "/roles?page=1&limit=10", auth)
    created = seed_request(
        emulator,
        "POST",
        "/roles",
        auth,
        '{\n  "name": "Manager",\n  "slug": "manager",\n  "description": "Manager role",\n'
        '  "permissions": ["users.view", "users.edit"]\n}',
    )
    role_id = created.json()["data"]["id"]
    updated = seed_request(
        emulator,
        "PUT",
        f"/roles/{role_id}",
        auth,
        '{\n  "name": "Senior Manager",\n  "permissions": ["users.view", "users.edit", "roles.view"]\n}',
    )
    by_id = seed_request(emulator, "GET", f"/roles/{role_id}", auth)
    catalogue = seed_request(emulator, "GET", "/roles/permissions", auth)
    usage = seed_request(emulator, "GET", "/roles/usage-counts", auth)
    deleted = seed_request(emulator, "DELETE", f"/roles/{role_id}", auth)

    # Then each answers as the seed's client expects, in the envelope
    assert listed.status_code == 200, listed.text
    roles = listed.json()["data"]["roles"]
    assert [r["slug"] for r in roles] == ["owner", "admin", "attorney", "paralegal", "staff", "client"]
    assert listed.json()["data"]["pagination"]["page"] == 1
    assert created.status_code == 201, created.text
    assert created.json()["data"]["permissions"] == ["users:read", "users:write"]
    assert created.json()["data"]["number"] == 7
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["name"] == "Senior Manager"
    assert updated.json()["data"]["permissions"] == ["users:read", "users:write", "roles:read"]
    assert (by_id.status_code, by_id.json()["data"]["version"]) == (200, 2)
    assert catalogue.status_code == 200, catalogue.text
    assert {"name": "roles:read", "resource": "roles", "action": "read"}.items() <= next(
        p for p in catalogue.json()["data"]["permissions"] if p["name"] == "roles:read"
    ).items()
    assert usage.status_code == 200, usage.text
    assert usage.json()["data"]["byRoleId"] == {
        "role_owner": 1,
        "role_admin": 0,
        "role_attorney": 0,
        "role_paralegal": 0,
        "role_staff": 0,
        "role_client": 0,
        role_id: 0,
    }
    assert deleted.status_code == 200, deleted.text
    assert seed_request(emulator, "GET", f"/roles/{role_id}", auth).status_code == 404


def test_a_changed_role_reaches_its_holder_on_the_next_request(api: httpx.Client, mailbox: Mailbox) -> None:
    # Given a member whose custom role grants only cases:read (no feedback)
    owner, org_id = owner_of_a_new_firm(api, mailbox)
    role = api.post("/roles", json={"name": "Reader", "permissions": ["cases:read"]}, headers=owner).json()[
        "data"
    ]
    member = member_with_role(api, mailbox, org_id, role["id"])
    assert api.get("/feedback", headers=member).status_code == 403
    # When the owner adds feedback:read to the role
    changed = api.put(
        f"/roles/{role['id']}", json={"permissions": ["cases:read", "feedback:read"]}, headers=owner
    )
    assert changed.status_code == 200, changed.text
    # Then the member's very same token reads feedback on its next request
    assert api.get("/feedback", headers=member).status_code == 200
    # and the count says one member holds the role, so it cannot be deleted
    refused = api.delete(f"/roles/{role['id']}", headers=owner)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["details"] == {"memberCount": 1}


def test_privilege_escalation_by_a_member_is_refused(api: httpx.Client, mailbox: Mailbox) -> None:
    # Given an office manager whose custom role manages roles and members but holds no case rights
    # beyond reading them
    owner, org_id = owner_of_a_new_firm(api, mailbox)
    grants = ["roles:read", "roles:write", "users:read", "users:write", "cases:read"]
    own = api.post("/roles", json={"name": "Office manager", "permissions": grants}, headers=owner).json()[
        "data"
    ]
    manager = member_with_role(api, mailbox, org_id, own["id"])

    attempts = {
        "give their own role more": lambda: api.put(
            f"/roles/{own['id']}", json={"permissions": [*grants, "cases:delete"]}, headers=manager
        ),
        "give their own role everything": lambda: api.put(
            f"/roles/{own['id']}", json={"permissions": ["*"]}, headers=manager
        ),
        "create a role beyond their grants": lambda: api.post(
            "/roles", json={"name": "Shadow", "permissions": ["cases:*", "billing:manage"]}, headers=manager
        ),
        "edit a system role": lambda: api.put("/roles/role_staff", json={"name": "Mine"}, headers=manager),
        "edit a system role by number": lambda: api.put(
            "/roles/5", json={"permissions": ["cases:read"]}, headers=manager
        ),
        "delete a system role": lambda: api.delete("/roles/role_client", headers=manager),
    }
    for attempt, send in attempts.items():
        # When the manager tries each
        reply = send()
        # Then it is refused, with a message that says why
        assert reply.status_code == 403, (attempt, reply.text)
        assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", attempt
    # and nothing changed: their role is as the owner made it, no role was added
    after = api.get(f"/roles/{own['id']}", headers=owner).json()["data"]
    assert (after["permissions"], after["version"]) == (grants, 1)
    listed = api.get("/roles", headers=owner).json()["data"]["roles"]
    assert [r["slug"] for r in listed if not r["system"]] == ["office-manager"]
    # while what is within their grants works
    assert (
        api.post(
            "/roles", json={"name": "Case reader", "permissions": ["cases:read"]}, headers=manager
        ).status_code
        == 201
    )


def test_mass_assignment_is_refused_over_http(api: httpx.Client, mailbox: Mailbox) -> None:
    owner, _ = owner_of_a_new_firm(api, mailbox)
    body = {
        "name": "Sneaky",
        "permissions": ["cases:read"],
        "system": True,
        "number": 1,
        "orgId": "org_other",
    }
    reply = api.post(
        "/roles", content=json.dumps(body), headers={**owner, "Content-Type": "application/json"}
    )
    assert reply.status_code == 400, reply.text
    assert {d["field"] for d in reply.json()["error"]["details"]} == {"system", "number", "orgId"}
    assert [
        r["slug"] for r in api.get("/roles", headers=owner).json()["data"]["roles"] if not r["system"]
    ] == []
