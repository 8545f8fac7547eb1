"""Tenant isolation over every operation of the spec, as real firm members (tests/harness/isolation.py).

Two furnished firms (`firms`: alder, the victim, and birch, the intruder): birch's owner calls
every route that takes an id with alder's real ids (the function answers that it has no such
resource — its own 404, not the gateway's — and nothing of alder's stored data changes, by the
table's stream once the emulator has settled: tests/harness/changes.py), reads every list and `/me` route (none of alder's ids, users or emails in any
page, while birch's own items are there), and calls every other write (alder unchanged). Within a
firm, a member whose role lacks an operation's permission is refused (403) and changes nothing.

Parametrised from the committed spec: a new route joins automatically, and fails until its path
parameters name a resource (tests/harness/resources.py) and its permission is declared below.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from docket.identity import roles
from tests.harness import isolation
from tests.harness.changes import ChangeFeed
from tests.harness.firms import Firm
from tests.harness.resources import RESOURCES, create_item
from tests.harness.spec import Spec, committed_spec

pytestmark = pytest.mark.e2e

SPEC = Spec(committed_spec())
AUTHENTICATED = [op for op in SPEC.operations() if not op.public]
#: firm routes: every tenant check below; platform routes (`/admin`): firm members are refused
FIRM = [op for op in AUTHENTICATED if not op.platform]
PLATFORM = [op for op in AUTHENTICATED if op.platform]

#: What each authenticated operation needs of the caller's role; None: any member, acting on their
#: own account (sessions, MFA, password).
PERMISSIONS: dict[str, str | None] = {
    "DELETE /auth/api-keys/{keyId}": "apikeys:manage",
    "DELETE /auth/sessions/{sessionId}": None,
    "DELETE /mfa/disable": None,
    "GET /audit-logs": "audit:read",
    "GET /audit-logs/stats": "audit:read",
    "GET /audit-logs/verify": "audit:read",
    "GET /audit-logs/viewable-users": "audit:read",
    "GET /audit-logs/{auditLogId}": "audit:read",
    "GET /compliance/audit-logs": "audit:read",
    "GET /compliance/exports": "audit:export",
    "GET /compliance/exports/{exportId}": "audit:export",
    "POST /compliance/export-audit-data": "audit:export",
    "GET /auth/api-keys": "apikeys:manage",
    "GET /auth/sessions": None,
    "GET /feedback": "feedback:read",
    "GET /feedback/{feedbackId}": "feedback:read",
    "GET /mfa/backup-codes": None,
    "GET /mfa/check": None,
    "POST /auth/api-keys": "apikeys:manage",
    "POST /auth/change-password": None,
    "POST /auth/logout": None,
    "POST /auth/sessions/revoke-others": None,
    "POST /feedback": "feedback:write",
    "POST /mfa/backup-codes/regenerate": None,
    "POST /mfa/setup/initialize": None,
    "POST /mfa/setup/verify": None,
    "PUT /feedback/{feedbackId}": "feedback:write",
    "PUT /organizations/me/settings": "organizations:manage",
    "PUT /users/me/change-password": None,
    "GET /roles": "roles:read",
    "POST /roles": "roles:write",
    "GET /roles/permissions": "roles:read",
    "GET /roles/usage-counts": "roles:read",
    "GET /roles/{roleId}": "roles:read",
    "PUT /roles/{roleId}": "roles:write",
    "DELETE /roles/{roleId}": "roles:write",
    "GET /organizations": None,
    "GET /organizations/me": "organizations:read",
    "PUT /organizations/me": "organizations:manage",
    "GET /organizations/me/stats": "organizations:read",
    "PUT /organizations/me/slug": "organizations:manage",
    "PUT /organizations/switch": None,
    "GET /users/me": None,
    "PUT /users/me": None,
    "GET /users/profile": None,
    "PUT /users/profile": None,
    "GET /user/profile": None,
    "PUT /user/profile": None,
    "GET /users/me/download-data": None,
    "GET /users/me/download-data/{dataExportId}": None,
    "GET /users": "users:read",
    "POST /users": "users:write",
    "GET /users/{userId}": "users:read",
    "PUT /users/{userId}": "users:write",
    "DELETE /users/{userId}": "users:delete",
    "POST /users/{userId}/revoke": "users:revoke",
    "GET /invitations": "invitations:read",
    "POST /invitations": "invitations:write",
    "DELETE /invitations/{invitationId}": "invitations:write",
    "GET /user/credits": "credits:read",
    "GET /user/usage": "credits:read",
    "GET /admin/users": "platform:users",
    "PUT /admin/users/{accountId}/role": "platform:users",
    "GET /admin/statistics": "platform:statistics",
    "GET /admin/logs": "platform:logs",
    "POST /admin/auth/logout": None,
    "GET /clients": "clients:read",
    "POST /clients": "clients:write",
    "GET /clients/{clientId}": "clients:read",
    "PUT /clients/{clientId}": "clients:write",
    "DELETE /clients/{clientId}": "clients:delete",
    "GET /pipeline/stages": "clients:read",
    "POST /pipeline/stages": "pipeline:manage",
    "POST /pipeline/stages/reorder": "pipeline:manage",
    "GET /pipeline/stages/{stageId}": "clients:read",
    "PUT /pipeline/stages/{stageId}": "pipeline:manage",
    "DELETE /pipeline/stages/{stageId}": "pipeline:manage",
    "GET /tasks": "tasks:read",
    "POST /tasks": "tasks:write",
    "POST /tasks/bulk-update": "tasks:write",
    "POST /tasks/bulk-delete": "tasks:delete",
    "GET /tasks/{taskId}": "tasks:read",
    "PUT /tasks/{taskId}": "tasks:write",
    "DELETE /tasks/{taskId}": "tasks:delete",
    "GET /disputes": "disputes:read",
    "POST /disputes": "disputes:write",
    "GET /disputes/{disputeId}": "disputes:read",
    "PUT /disputes/{disputeId}": "disputes:write",
    "DELETE /disputes/{disputeId}": "disputes:delete",
    "GET /calendar/events": "calendar:read",
    "POST /calendar/events": "calendar:write",
    "GET /calendar/events/{eventId}": "calendar:read",
    "PUT /calendar/events/{eventId}": "calendar:write",
    "DELETE /calendar/events/{eventId}": "calendar:write",
    "GET /cases": "cases:read",
    "POST /cases": "cases:write",
    "GET /cases/{caseId}": "cases:read",
    "PUT /cases/{caseId}": "cases:write",
    "DELETE /cases/{caseId}": "cases:delete",
    "POST /cases/{caseId}/activities": "cases:write",
    "GET /cases/{caseId}/activities": "cases:read",
    "GET /cases/{caseId}/team": "cases:read",
    "PUT /cases/{caseId}/team": "cases:write",
    "GET /clients/{clientId}/cases": "cases:read",
}

#: Refusals beyond a role's permissions: (operation, the refused member's role, the role that
#: created the item it names, body, why).
RULES: list[tuple[str, str, str, Any, str]] = [
    (
        "PUT /feedback/{feedbackId}",
        roles.STAFF,
        roles.OWNER,
        {"rating": 2},
        "only the author or a manager edits",
    ),
    (
        "PUT /feedback/{feedbackId}",
        roles.STAFF,
        roles.STAFF,
        {"status": "reviewed"},
        "triage needs feedback:manage",
    ),
]

#: Valid bodies where the spec's example is not the one to send: the profile's example fills `name`
#: and `firstName` (one or the other) and an email that is not the caller's (refused: it needs
#: verification); the members' and invitations' examples fill both spellings of a name and of a role
#: (`name` and `firstName`, `role` and `roleId`), which the routes refuse (one or the other). Each
#: would be a 400 that reaches nothing. The plan change is one the target would notice (the
#: example, `free`, is what every firm user has already).
_PROFILE = {
    "firstName": "Harness",
    "lastName": "Member",
    "phone": "+91-9876543210",
    "avatarUrl": "https://cdn.example.com/a.png",
    "address": {"city": "Mumbai", "zipCode": "400001"},
    "preferences": {"language": "en-IN", "timezone": "Asia/Kolkata", "notifications": {"sms": True}},
}
BODIES: dict[str, Any] = {
    # a slug is unique in the firm, so no one body with a slug can be sent to every role: all the
    # other fields, which any role of the firm may take
    "PUT /roles/{roleId}": {
        "name": "Senior Manager",
        "description": "Runs the office",
        "permissions": ["users.view", "users.edit", "roles.view"],
    },
    "PUT /users/me": _PROFILE,
    "PUT /users/profile": _PROFILE,
    "PUT /user/profile": _PROFILE,
    "POST /users": {"email": "isolation-added@harness.example", "name": "Isolation Added", "role": "staff"},
    "PUT /users/{userId}": {
        "firstName": "Isolation",
        "lastName": "Check",
        "role": "paralegal",
        "status": "active",
    },
    "POST /invitations": {"email": "isolation-invited@harness.example", "roleId": "staff"},
    "PUT /admin/users/{accountId}/role": {"role": "vip", "reason": "self-promotion"},
    # the spec's examples name a pipeline stage that no firm has (a 400 that reaches nothing)
    "POST /clients": {"name": "Isolation Client", "email": "isolation-client@harness.example"},
    "PUT /clients/{clientId}": {"name": "Isolation Renamed", "status": "inactive", "phone": "+91-9876543210"},
    "PUT /pipeline/stages/{stageId}": {"name": "Isolation Renamed", "color": "#3366FF"},
    # the spec's examples name a client, a case and an assignee no firm has (a 400 that reaches nothing)
    "POST /tasks": {"title": "Isolation task", "priority": "urgent", "due_date": "2026-04-01"},
    "PUT /tasks/{taskId}": {"title": "Isolation renamed", "status": "in_progress", "priority": "low"},
    # a draft moves to `sent` (every field: a move the example's `resolved` would refuse with a 409)
    "PUT /disputes/{disputeId}": {
        "title": "Isolation renamed",
        "bureau": "equifax",
        "account": "Isolation ****0000",
        "reason": "Isolation reason",
        "notes": "Isolation notes",
        "status": "sent",
        "note": "Isolation move",
    },
    # the spec's examples name a case, a client and attendees no firm has (a 400 that reaches nothing)
    "POST /calendar/events": {
        "title": "Isolation meeting",
        "start": "2026-06-01T09:00:00Z",
        "end": "2026-06-01T10:00:00Z",
        "type": "deadline",
        "location": "Isolation room",
        "reminder": 15,
    },
    "PUT /calendar/events/{eventId}": {
        "title": "Isolation moved",
        "description": "Isolation description",
        "start": "2026-06-02T09:00:00Z",
        "end": "2026-06-02T10:00:00Z",
        "type": "court_date",
        "location": "Isolation court",
        "reminder": 60,
    },
    # the spec's examples name a client and members no firm has (a 400 that reaches nothing)
    "PUT /cases/{caseId}": {
        "title": "Isolation Renamed",
        "description": "Isolation",
        "status": "in_progress",
        "priority": "urgent",
        "assignedTo": None,
        "estimatedHours": 12,
        "billingRate": 300,
        "totalBilled": 100,
        "tags": ["isolation"],
    },
    "POST /cases/{caseId}/activities": {
        "type": "time",
        "description": "Isolation time",
        "timeSpent": 1.5,
        "billable": True,
    },
    "PUT /cases/{caseId}/team": {"responsibleAttorney": None, "members": [], "restricted": True},
}

#: the firm members below the owner, by role
MEMBER_ROLES = (roles.STAFF, roles.CLIENT)


def _labels(selected: list[Any]) -> list[str]:
    return [op.label for op in selected]


def test_every_path_parameter_names_a_resource() -> None:
    parameters = {name for op in SPEC.operations() for name in op.path_parameters}
    missing = sorted(parameters - set(RESOURCES))
    assert not missing, f"declare in tests/harness/resources.py how a firm creates what {missing} name"


def test_every_authenticated_operation_declares_its_permission() -> None:
    assert sorted(PERMISSIONS) == sorted(_labels(AUTHENTICATED)), "update PERMISSIONS"


@pytest.mark.parametrize("label", _labels([op for op in FIRM if op.path_parameters]))
def test_another_tenants_id_is_not_found_and_changes_nothing(
    harness_api: httpx.Client, changes: ChangeFeed, firms: tuple[Firm, Firm], label: str
) -> None:
    victim, intruder = firms
    operation = SPEC.operation(label)
    # Given alder's real ids, When birch's owner calls the route with them: the resource's own
    # 404, and alder's data is as it was
    isolation.check_foreign_ids(harness_api, changes, operation, victim, intruder, BODIES)
    # And the same call by alder's owner on alder's own (fresh) resource reaches it
    isolation.check_own_ids_work(harness_api, operation, victim, BODIES)


@pytest.mark.parametrize(
    "label", _labels([op for op in FIRM if op.method == "GET" and not op.path_parameters])
)
def test_lists_and_me_routes_never_show_another_tenant(
    harness_api: httpx.Client, firms: tuple[Firm, Firm], label: str
) -> None:
    victim, intruder = firms
    operation = SPEC.operation(label)
    # Given both firms own resources of every kind listed here, birch's made just now
    for resource in RESOURCES.values():
        if resource.listed_at == operation.path:
            create_item(harness_api, intruder, resource.parameter, intruder.owner)
    # When birch's owner reads every page: nothing of alder's, birch's own items all there
    isolation.check_reads_stay_in_the_tenant(harness_api, operation, victim, intruder)


@pytest.mark.parametrize(
    "label", _labels([op for op in FIRM if op.method != "GET" and not op.path_parameters])
)
def test_writes_without_ids_leave_another_tenant_unchanged(
    harness_api: httpx.Client, changes: ChangeFeed, firms: tuple[Firm, Firm], label: str
) -> None:
    victim, intruder = firms
    isolation.check_writes_stay_in_the_tenant(
        harness_api, changes, SPEC.operation(label), victim, intruder, BODIES
    )


def test_the_platform_routes_are_the_admin_groups() -> None:
    # the platform checks below must not be vacuous: seed 002's /admin routes are among them
    assert {"GET /admin/users", "PUT /admin/users/{accountId}/role", "GET /admin/statistics"} <= set(
        _labels(PLATFORM)
    )


@pytest.mark.parametrize("label", _labels(PLATFORM))
@pytest.mark.parametrize("whose", ["another firm's", "their own firm's"])
def test_a_firm_owner_is_refused_on_platform_routes_and_changes_nothing(
    harness_api: httpx.Client, changes: ChangeFeed, firms: tuple[Firm, Firm], label: str, whose: str
) -> None:
    # Given alder's real users, When birch's owner — or alder's own owner, promoting their firm —
    # calls a platform administrators' route with them: 403, and alder's data is as it was
    victim, intruder = firms
    operation = SPEC.operation(label)
    caller = intruder.owner if whose == "another firm's" else victim.owner
    params = {name: victim.ids(name)[0] for name in operation.path_parameters}
    body = isolation.valid_body(operation, BODIES)
    isolation.check_platform_route_refused(harness_api, changes, operation, victim, caller, params, body)


def _refusals() -> list[object]:
    cases: list[object] = []
    for label, permission in sorted(PERMISSIONS.items()):
        if permission is None:
            continue
        for role in MEMBER_ROLES:
            if not _grants(role, permission):
                cases.append(
                    pytest.param(label, role, roles.OWNER, None, id=f"{label} | {role} lacks {permission}")
                )
    for label, role, creator, body, why in RULES:
        cases.append(pytest.param(label, role, creator, body, id=f"{label} | {role}: {why}"))
    return cases


def _grants(role: str, permission: str) -> bool:
    granted = roles.permissions_of((role,))
    resource = permission.split(":", 1)[0]
    return "*" in granted or permission in granted or f"{resource}:*" in granted


def test_the_member_roles_lack_something_to_refuse() -> None:
    # the refusals below are only as good as the roles: each member role must lack a permission
    for role in MEMBER_ROLES:
        assert any(p and not _grants(role, p) for p in PERMISSIONS.values()), role


@pytest.mark.parametrize(("label", "role", "creator", "body"), _refusals())
def test_a_member_without_the_permission_is_refused_and_changes_nothing(
    harness_api: httpx.Client,
    changes: ChangeFeed,
    firms: tuple[Firm, Firm],
    label: str,
    role: str,
    creator: str,
    body: Any,
) -> None:
    firm, _ = firms
    operation = SPEC.operation(label)
    sent = body if body is not None else isolation.valid_body(operation, BODIES)
    isolation.check_refused_without_permission(
        harness_api, changes, operation, firm, firm.member_with_role(role), sent, item_creator=creator
    )


def test_an_invitation_token_opens_only_its_own_invitation_whoever_holds_it(
    harness_api: httpx.Client, changes: ChangeFeed, firms: tuple[Firm, Firm]
) -> None:
    """A token is a bearer secret, not an id of the caller's tenant: what it opens is the same for
    anyone who holds it (signed in to another firm or not), names no id, member or address of its
    firm, and accepting it proves nothing about an account it was not sent to."""
    victim, intruder = firms
    [token] = victim.ids("token")
    path = f"/invitations/token/{token}"
    # Given alder's invitation token in the hands of birch's owner, and of nobody at all
    seen_by_intruder = harness_api.get(path, headers=isolation.acting(intruder.owner))
    seen_anonymously = harness_api.get(path)
    # Then both see the same preview, which names nothing of alder's but its name and the inviter's
    assert seen_by_intruder.status_code == seen_anonymously.status_code == 200, seen_anonymously.text
    assert seen_by_intruder.json()["data"] == seen_anonymously.json()["data"]
    leaked = sorted(v for v in victim.identifiers() - {token} if v in seen_anonymously.text)
    assert not leaked, f"the token's preview shows {leaked}"
    # When birch's owner tries to accept it as their own account
    headers = isolation.acting(intruder.owner)
    changes.mark()
    taken = harness_api.post(f"/invitations/accept/{token}", headers=headers)
    # Then it is refused (it was sent to someone else), and alder is as it was
    assert taken.status_code == 403, taken.text
    isolation.assert_unchanged(changes, victim, "accepting alder's token")
    # And a token nobody issued opens nothing, the same way
    assert harness_api.get("/invitations/token/" + "A" * 43).status_code == 404
