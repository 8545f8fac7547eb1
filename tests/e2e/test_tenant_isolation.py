"""Tenant isolation over every operation of the spec, as real firm members (tests/harness/isolation.py).

Two furnished firms (`firms`: alder, the victim, and birch, the intruder): birch's owner calls
every route that takes an id with alder's real ids (the function answers that it has no such
resource — its own 404, not the gateway's — and nothing of alder's changes, as alder's users see
it: data and ETag), reads every list and `/me` route (none of alder's ids, users or emails in any
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
    "GET /user/credits": "credits:read",
    "GET /user/usage": "credits:read",
    "GET /admin/users": "platform:users",
    "PUT /admin/users/{userId}/role": "platform:users",
    "GET /admin/statistics": "platform:statistics",
    "GET /admin/logs": "platform:logs",
    "POST /admin/auth/logout": None,
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

#: Valid bodies where the spec's example is not the one to send: a plan change the target would
#: notice (the example, `free`, is what every firm user has already).
BODIES: dict[str, Any] = {"PUT /admin/users/{userId}/role": {"role": "vip", "reason": "self-promotion"}}

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
    harness_api: httpx.Client, firms: tuple[Firm, Firm], label: str
) -> None:
    victim, intruder = firms
    operation = SPEC.operation(label)
    # Given alder's real ids, When birch's owner calls the route with them: the resource's own
    # 404, and alder's data is as it was
    isolation.check_foreign_ids(harness_api, SPEC, operation, victim, intruder, BODIES)
    # And the same call by alder's owner on alder's own (fresh) resource reaches it
    isolation.check_own_ids_work(harness_api, SPEC, operation, victim, BODIES)


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
    isolation.check_reads_stay_in_the_tenant(harness_api, SPEC, operation, victim, intruder)


@pytest.mark.parametrize(
    "label", _labels([op for op in FIRM if op.method != "GET" and not op.path_parameters])
)
def test_writes_without_ids_leave_another_tenant_unchanged(
    harness_api: httpx.Client, firms: tuple[Firm, Firm], label: str
) -> None:
    victim, intruder = firms
    isolation.check_writes_stay_in_the_tenant(
        harness_api, SPEC, SPEC.operation(label), victim, intruder, BODIES
    )


def test_the_platform_routes_are_the_admin_groups() -> None:
    # the platform checks below must not be vacuous: seed 002's /admin routes are among them
    assert {"GET /admin/users", "PUT /admin/users/{userId}/role", "GET /admin/statistics"} <= set(
        _labels(PLATFORM)
    )


@pytest.mark.parametrize("label", _labels(PLATFORM))
@pytest.mark.parametrize("whose", ["another firm's", "their own firm's"])
def test_a_firm_owner_is_refused_on_platform_routes_and_changes_nothing(
    harness_api: httpx.Client, firms: tuple[Firm, Firm], label: str, whose: str
) -> None:
    # Given alder's real users, When birch's owner — or alder's own owner, promoting their firm —
    # calls a platform administrators' route with them: 403, and alder's data is as it was
    victim, intruder = firms
    operation = SPEC.operation(label)
    caller = intruder.owner if whose == "another firm's" else victim.owner
    params = {name: victim.ids(name)[0] for name in operation.path_parameters}
    body = isolation.valid_body(operation, BODIES)
    isolation.check_platform_route_refused(harness_api, SPEC, operation, victim, caller, params, body)


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
    harness_api: httpx.Client, firms: tuple[Firm, Firm], label: str, role: str, creator: str, body: Any
) -> None:
    firm, _ = firms
    operation = SPEC.operation(label)
    sent = body if body is not None else isolation.valid_body(operation, BODIES)
    isolation.check_refused_without_permission(
        harness_api, SPEC, operation, firm, firm.member_with_role(role), sent, item_creator=creator
    )
