"""The permission catalogue: declared once, read by roles, keys and every service check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from docket.identity import roles
from docket.security import permissions as p
from docket.security.principal import Principal

ROOT = Path(__file__).resolve().parents[2]
CODE = [*(ROOT / "layers" / "core" / "python" / "docket").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]


def test_every_permission_is_resource_colon_action_with_a_description() -> None:
    for name, permission in p.CATALOGUE.items():
        resource, _, action = name.partition(":")
        assert resource, name
        assert action, name
        assert action != p.WILDCARD, name
        assert permission.description.strip(), name


def test_every_system_role_grants_only_catalogue_permissions() -> None:
    for role, grants in roles.SYSTEM_ROLES.items():
        for grant in grants:
            assert p.parse(grant) == grant, (role, grant)
    assert roles.SYSTEM_ROLES[roles.CLIENT] == (str(p.PORTAL_READ), str(p.PORTAL_WRITE))


def test_no_service_checks_a_permission_outside_the_catalogue() -> None:
    # Given every call of `require(...)` / `holds(...)` in the product code
    offenders = []
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("require", "holds")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # Then none names a permission by a string: only catalogue entries can be checked
    assert not offenders, f"name permissions through docket.security.permissions: {offenders}"


def test_a_name_the_catalogue_lacks_is_a_programming_error() -> None:
    principal = Principal(user_id="usr_a", org_id="org_a", permissions=("*",))
    with pytest.raises(p.UnknownPermission):
        principal.require("cases:teleport")  # type: ignore[arg-type]


def test_seed_001_spelling_and_wildcards_are_read() -> None:
    assert p.parse("users.view") == "users:read"
    assert p.parse("users.edit") == "users:write"
    assert p.parse("roles.view") == "roles:read"
    assert p.parse("cases:*") == "cases:*"
    assert p.parse("*") == "*"
    for unknown in ("users.fly", "nothing:*", "cases", ""):
        with pytest.raises(p.UnknownPermission):
            p.parse(unknown)


def test_wildcards_never_reach_platform_permissions() -> None:
    owner = Principal(user_id="usr_o", org_id="org_o", permissions=roles.SYSTEM_ROLES[roles.OWNER])
    assert owner.holds(p.CASES_DELETE)
    assert not owner.holds(p.PLATFORM_USERS)
    assert not p.covers(("platform:*",), p.PLATFORM_USERS)
    assert p.covers(("platform:users",), p.PLATFORM_USERS)


def test_nobody_grants_what_they_do_not_hold() -> None:
    paralegal = roles.SYSTEM_ROLES[roles.PARALEGAL]
    assert p.may_grant(paralegal, "cases:read")
    assert not p.may_grant(paralegal, "cases:delete")
    # a wildcard only from the same or a broader one, even when every action is held one by one
    assert not p.may_grant(("cases:read", "cases:write", "cases:delete"), "cases:*")
    assert p.may_grant(("cases:*",), "cases:*")
    assert p.may_grant(("*",), "cases:*")
    assert not p.may_grant(("cases:*",), "*")


def test_roles_fit_a_law_firm() -> None:
    def holds(role: str, permission: p.Permission) -> bool:
        return p.covers(roles.SYSTEM_ROLES[role], permission)

    assert holds(roles.ATTORNEY, p.CASES_DELETE)
    assert not holds(roles.PARALEGAL, p.CASES_DELETE)
    assert holds(roles.PARALEGAL, p.BILLING_WRITE)
    assert not holds(roles.PARALEGAL, p.BILLING_MANAGE)
    assert not holds(roles.STAFF, p.CASES_WRITE)
    assert holds(roles.ADMIN, p.ROLES_WRITE)
    assert not holds(roles.ADMIN, p.TRUST_RECONCILE)
    assert not any(holds(roles.CLIENT, x) for x in p.FIRM_PERMISSIONS if x.resource != "portal")


def test_a_keys_grants_narrow_to_what_its_creator_holds() -> None:
    paralegal = roles.SYSTEM_ROLES[roles.PARALEGAL]
    # a grant held whole stays as it is, wildcards included
    assert p.narrow(("cases:*", "feedback:read"), ("*",)) == ("cases:*", "feedback:read")
    # of a wildcard held in part, the permissions held; of one not held at all, nothing
    assert p.narrow(("cases:*", "trust:reconcile"), paralegal) == ("cases:read", "cases:write")
    assert p.narrow(("*",), ("feedback:read", "cases:*")) == (
        "cases:read",
        "cases:write",
        "cases:delete",
        "feedback:read",
    )
    assert p.narrow(("feedback:read",), ()) == ()
