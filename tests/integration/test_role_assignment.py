"""The role-assignment service every part of the firm's administration uses: a role is named by its
id, slug, system name or number; nobody assigns a role granting what they do not hold; members per
role are counted in the membership's transaction, so a role in use cannot be deleted."""

from __future__ import annotations

import pytest

from docket.access import roles
from docket.data.transactions import transaction
from docket.errors import Conflict, Forbidden, NotFound
from docket.identity import roles as system
from docket.security.principal import Principal
from docket.settings import Settings
from tests.members import custom_role

ORG = "org_A"


def member(*grants: str, org_id: str = ORG) -> Principal:
    return Principal(user_id="usr_caller", org_id=org_id, permissions=grants)


OWNER = member(*system.SYSTEM_ROLES[system.OWNER])
ADMIN = member(*system.SYSTEM_ROLES[system.ADMIN])


def test_system_roles_are_numbered_one_to_six_in_a_fixed_order(aws: Settings) -> None:
    assert [(r.number, r.slug) for r in roles.system_roles()] == [
        (1, "owner"),
        (2, "admin"),
        (3, "attorney"),
        (4, "paralegal"),
        (5, "staff"),
        (6, "client"),
    ]
    assert all(r.system and r.id == f"role_{r.slug}" for r in roles.system_roles())


@pytest.mark.parametrize("reference", ["admin", "role_admin", "2", 2])
def test_a_system_role_is_named_by_its_name_id_or_number(aws: Settings, reference: str | int) -> None:
    # seed 001 invites with `"role_id": 2`
    found = roles.find(ORG, reference)
    assert (found.slug, found.system, found.ref) == ("admin", True, "admin")


def test_a_custom_role_is_named_by_its_id_slug_or_number_from_seven_on(aws: Settings) -> None:
    # Given two custom roles of the firm
    first = custom_role(ORG, ("cases:read",), slug="reader")
    second = custom_role(ORG, ("cases:write",), slug="writer")
    assert (int(first.number), int(second.number)) == (7, 8)
    # Then each is found by any of its names, as the same role
    for reference in (second.id, "writer", "8", 8):
        found = roles.find(ORG, reference)
        assert (found.id, found.system, found.ref, found.permissions) == (
            second.id,
            False,
            second.id,
            ("cases:write",),
        )


@pytest.mark.parametrize("reference", ["9", "nobody", "role_01JAAAAAAAAAAAAAAAAAAAAAAA", "", "Reader", "0"])
def test_an_unknown_reference_is_not_found(aws: Settings, reference: str) -> None:
    custom_role(ORG, ("cases:read",), slug="reader")
    with pytest.raises(NotFound, match="Role not found"):
        roles.find(ORG, reference)


def test_another_firms_role_is_not_found_by_any_name(aws: Settings) -> None:
    # Given a custom role of another firm
    theirs = custom_role("org_B", ("cases:read",), slug="reader")
    # Then none of its names reaches it from this firm
    for reference in (theirs.id, "reader", str(theirs.number)):
        with pytest.raises(NotFound):
            roles.find(ORG, reference)


def test_the_owner_may_assign_any_role(aws: Settings) -> None:
    custom = custom_role(ORG, ("trust:reconcile", "cases:*"))
    for reference in ("owner", "admin", "attorney", "client", custom.id):
        assert roles.assignable(OWNER, reference).ref in {"owner", "admin", "attorney", "client", custom.id}


def test_nobody_assigns_a_role_granting_what_they_do_not_hold(aws: Settings) -> None:
    # Given an administrator (every firm permission but trust money)
    # When they assign the owner role (`*`), or a custom role with trust:reconcile
    custom = custom_role(ORG, ("trust:reconcile", "cases:read"))
    for reference, refused in (("owner", ["*"]), (custom.id, ["trust:reconcile"])):
        with pytest.raises(Forbidden, match="grants permissions you do not hold") as caught:
            roles.assignable(ADMIN, reference)
        # Then they are refused, told which permissions are beyond them
        assert caught.value.details["permissions"] == refused
    # while a role within their grants is theirs to assign
    assert roles.assignable(ADMIN, "staff").slug == "staff"


def test_self_promotion_is_refused_like_any_assignment_beyond_ones_grants(aws: Settings) -> None:
    # Given a member whose custom role lets them manage users and read cases
    manager = member("users:read", "users:write", "cases:read")
    # When they try to take the attorney role (or a role with more cases permissions)
    broader = custom_role(ORG, ("users:write", "cases:*"))
    for reference in ("attorney", broader.id):
        with pytest.raises(Forbidden):
            roles.assignable(manager, reference)
    # Then a role within their own grants is the most they may give anyone, themselves included
    narrower = custom_role(ORG, ("cases:read",))
    assert roles.assignable(manager, narrower.id).id == narrower.id


def test_assigning_needs_users_write(aws: Settings) -> None:
    attorney = member(*system.SYSTEM_ROLES[system.ATTORNEY])
    with pytest.raises(Forbidden, match="Missing permission users:write"):
        roles.assignable(attorney, "client")


def test_an_unknown_role_is_not_found_before_anything_is_judged(aws: Settings) -> None:
    with pytest.raises(NotFound):
        roles.assignable(OWNER, "manager")


def test_a_custom_role_grants_what_its_item_says_and_a_deleted_one_nothing(aws: Settings) -> None:
    reader = custom_role(ORG, ("cases:read", "feedback:read"))
    # staff already holds both of the reader's permissions: nothing repeats
    assert roles.grants_of(ORG, ("staff", reader.id)) == system.SYSTEM_ROLES[system.STAFF]
    writer = custom_role(ORG, ("cases:write", "cases:read"))
    assert roles.grants_of(ORG, (reader.id, writer.id)) == ("cases:read", "feedback:read", "cases:write")
    writer.delete()
    assert roles.grants_of(ORG, (reader.id, writer.id)) == ("cases:read", "feedback:read")


def test_members_per_role_are_counted_in_the_membership_transaction(aws: Settings) -> None:
    custom = custom_role(ORG, ("cases:read",))
    writer = Principal(user_id="usr_caller", org_id=ORG)
    # Given three memberships written with their counts, one of them later moved to staff
    with transaction(writer) as tx:
        roles.count_holders(tx, ORG, added=["staff", custom.id])
    with transaction(writer) as tx:
        roles.count_holders(tx, ORG, added=[custom.id])
    with transaction(writer) as tx:
        roles.count_holders(tx, ORG, added=["staff"], removed=[custom.id])
    # Then the counts say who holds what
    assert roles.holders(ORG) == {"staff": 2, custom.id: 1}
    assert roles.holders("org_B") == {}


def test_a_role_deleted_meanwhile_fails_the_assignment(aws: Settings) -> None:
    # Given a custom role that is deleted after it was found assignable
    custom = custom_role(ORG, ("cases:read",))
    role = roles.assignable(OWNER, custom.id)
    custom.delete()
    # When the membership's transaction counts the new holder
    with pytest.raises(Conflict), transaction(Principal(user_id="usr_caller", org_id=ORG)) as tx:
        roles.count_holders(tx, ORG, added=[role.ref])
    # Then nothing was written: the deleted role has no holders
    assert roles.holders(ORG) == {}
