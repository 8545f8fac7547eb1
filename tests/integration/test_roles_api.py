"""`/roles…` over the directory Lambda, in process on moto: custom roles per firm, read-only system
roles, nobody grants what they do not hold, a role in use is not deleted, mass assignment refused."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from docket.access import roles, service
from docket.data.transactions import transaction
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.members import make_member

ORG = "org_A"
OWNER = Principal(user_id="usr_owner", org_id=ORG, roles=("owner",), permissions=("*",))
#: an office manager: runs members and roles, reads cases, nothing else
MANAGER = Principal(
    user_id="usr_manager",
    org_id=ORG,
    permissions=("roles:read", "roles:write", "users:read", "users:write", "cases:read"),
)
STAFF = Principal(
    user_id="usr_staff", org_id=ORG, roles=("staff",), permissions=("feedback:read", "cases:read")
)
INTRUDER = Principal(user_id="usr_intruder", org_id="org_B", roles=("owner",), permissions=("*",))
SEED_CREATE = {
    "name": "Manager",
    "slug": "manager",
    "description": "Manager role",
    "permissions": ["users.view", "users.edit"],
}


def request(method: str, path: str, principal: Principal = OWNER, **kwargs: Any) -> Reply:
    return call("directory", method, f"/v1{path}", principal=principal, **kwargs)


def create(principal: Principal = OWNER, **fields: Any) -> Reply:
    return request("POST", "/roles", principal, body={**SEED_CREATE, **fields})


def stored(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def hold(role_ref: str, user_id: str = "usr_member") -> None:
    """A member of the firm holding the role (its count written in the membership's transaction)."""
    make_member(user_id, ORG, roles=(role_ref,))


# --- create ---------------------------------------------------------------------------------


def test_seed_001_creates_a_custom_role_numbered_from_seven_and_audited(aws: Settings) -> None:
    # When the owner creates seed 001's Manager role
    reply = create()
    # Then it is stored with the catalogue's names for seed 001's spelling, numbered 7
    assert reply.status == 201, reply.body
    data = reply.data
    assert data["id"].startswith("role_")
    assert (data["number"], data["name"], data["slug"], data["description"]) == (
        7,
        "Manager",
        "manager",
        "Manager role",
    )
    assert data["permissions"] == ["users:read", "users:write"]
    assert (data["system"], data["memberCount"], data["version"]) == (False, 0, 1)
    assert reply.headers["ETag"] == '"v1"'
    assert reply.headers["Location"] == f"/v1/roles/{data['id']}"
    # and audited in the same write
    [audit] = stored(aws, "audit")
    assert (audit["action"], audit["entity_id"], audit["actor_id"]) == (
        "role.created",
        data["id"],
        "usr_owner",
    )
    # and the next one is 8
    assert create(slug="second").data["number"] == 8


def test_a_slug_is_made_from_the_name_when_left_out_and_kept_unique(aws: Settings) -> None:
    # Given two roles created with the same name and no slug
    body = {"name": "Trust Officer (Ünïcode)", "permissions": ["trust:read"]}
    first, second = (request("POST", "/roles", body=body) for _ in range(2))
    # Then the first takes the name's slug, the second the same with its number
    assert (first.status, second.status) == (201, 201), (first.body, second.body)
    assert first.data["slug"] == "trust-officer-unicode"
    assert second.data["slug"] == f"trust-officer-unicode-{second.data['number']}"


@pytest.mark.parametrize("slug", ["manager", "owner", "client"])
def test_a_slug_taken_in_the_firm_or_by_a_system_role_is_a_409(aws: Settings, slug: str) -> None:
    create()
    reply = create(slug=slug, name="Another")
    assert reply.status == 409, reply.body
    assert f"slug {slug!r} already exists" in reply.error["message"]
    assert len(stored(aws, "role")) == 1


def test_another_firm_may_use_the_same_slug(aws: Settings) -> None:
    create()
    assert create(INTRUDER).status == 201


def test_unknown_and_platform_permissions_are_a_400_naming_them(aws: Settings) -> None:
    reply = create(permissions=["users.view", "cases:teleport", "nothing.view", "platform:users"])
    assert reply.status == 400, reply.body
    messages = [d["message"] for d in reply.error["details"]]
    assert "not in the catalogue: cases:teleport, nothing.view" in messages
    assert "platform permissions are not for firm roles: platform:users" in messages
    assert stored(aws, "role") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orgId", "org_B"),
        ("org_id", "org_B"),
        ("system", True),
        ("number", 1),
        ("version", 9),
        ("memberCount", 0),
        ("createdAt", "2020-01-01T00:00:00Z"),
        ("updatedAt", "2020-01-01T00:00:00Z"),
        ("id", "role_owner"),
    ],
)
def test_mass_assignment_of_protected_fields_is_refused(aws: Settings, field: str, value: Any) -> None:
    # When a create, or an update, carries a field the server owns
    created = create(slug="kept").data
    for method, path in (("POST", "/roles"), ("PUT", f"/roles/{created['id']}")):
        body = {**SEED_CREATE, field: value} if method == "POST" else {"name": "Renamed", field: value}
        reply = request(method, path, body=body)
        # Then it is a 400 naming the field, and nothing changes
        assert reply.status == 400, (method, reply.body)
        assert field in {d["field"] for d in reply.error["details"]}, reply.error
    assert [r["name"] for r in stored(aws, "role")] == ["Manager"]
    assert request("GET", f"/roles/{created['id']}").headers["ETag"] == '"v1"'


def test_create_honours_idempotency_key(aws: Settings) -> None:
    first = request("POST", "/roles", body=SEED_CREATE, headers={"Idempotency-Key": "roles-1"})
    again = request("POST", "/roles", body=SEED_CREATE, headers={"Idempotency-Key": "roles-1"})
    assert (first.status, again.status) == (201, 201)
    assert again.data["id"] == first.data["id"]
    assert len(stored(aws, "role")) == 1


# --- read -------------------------------------------------------------------------------------


def test_seed_001_lists_the_system_roles_then_the_custom_ones(aws: Settings) -> None:
    manager = create().data
    reply = request("GET", "/roles", query={"page": "1", "limit": "10"})
    assert reply.status == 200, reply.body
    assert [(r["number"], r["slug"], r["system"]) for r in reply.data["roles"]] == [
        (1, "owner", True),
        (2, "admin", True),
        (3, "attorney", True),
        (4, "paralegal", True),
        (5, "staff", True),
        (6, "client", True),
        (7, "manager", False),
    ]
    assert reply.data["roles"][6]["id"] == manager["id"]
    assert reply.data["roles"][0]["permissions"] == ["*"]
    assert reply.data["roles"][0]["memberCount"] is None  # only on request
    pagination = reply.data["pagination"]
    assert (pagination["page"], pagination["total"], pagination["hasNext"]) == (1, 7, False)


def test_the_list_pages_across_system_and_custom_roles(aws: Settings) -> None:
    for n in range(3):
        create(slug=f"custom-{n}", name=f"Custom {n}")
    numbers: list[int] = []
    query = {"limit": "4"}
    for _ in range(5):
        reply = request("GET", "/roles", query=query)
        assert reply.status == 200, reply.body
        numbers += [r["number"] for r in reply.data["roles"]]
        if not reply.data["pagination"]["hasNext"]:
            break
        query = {"limit": "4", "cursor": reply.data["pagination"]["nextCursor"]}
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_member_counts_on_request_and_usage_counts(aws: Settings) -> None:
    manager = create().data
    hold("staff", "usr_1")
    hold("staff", "usr_2")
    hold(manager["id"], "usr_3")
    listed = request("GET", "/roles", query={"includeMemberCounts": "true"}).data["roles"]
    assert {r["slug"]: r["memberCount"] for r in listed} == {
        "owner": 0,
        "admin": 0,
        "attorney": 0,
        "paralegal": 0,
        "staff": 2,
        "client": 0,
        "manager": 1,
    }
    usage = request("GET", "/roles/usage-counts")
    assert usage.status == 200, usage.body
    assert usage.data["byRoleId"]["role_staff"] == 2
    assert usage.data["byRoleId"][manager["id"]] == 1
    assert [u["number"] for u in usage.data["usageCounts"]] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("reference", ["id", "number"])
def test_a_role_is_read_by_its_id_or_number_with_its_member_count(aws: Settings, reference: str) -> None:
    manager = create().data
    hold(manager["id"])
    reply = request("GET", f"/roles/{manager[reference]}")
    assert reply.status == 200, reply.body
    assert (reply.data["id"], reply.data["memberCount"]) == (manager["id"], 1)
    assert reply.headers["ETag"] == '"v1"'


@pytest.mark.parametrize("reference", ["role_admin", "2"])
def test_a_system_role_is_read_by_its_id_or_number(aws: Settings, reference: str) -> None:
    reply = request("GET", f"/roles/{reference}")
    assert reply.status == 200, reply.body
    assert (reply.data["slug"], reply.data["system"], reply.data["number"]) == ("admin", True, 2)


def test_another_firms_role_is_not_found(aws: Settings) -> None:
    theirs = create(INTRUDER).data
    for method, body in (("GET", None), ("PUT", {"name": "Mine now"}), ("DELETE", None)):
        reply = request(method, f"/roles/{theirs['id']}", body=body)
        assert reply.status == 404, reply.body
        assert reply.error["message"] == "Role not found"
    assert request("GET", f"/roles/{theirs['id']}", INTRUDER).data["name"] == "Manager"


def test_the_permission_catalogue_lists_firm_permissions_only(aws: Settings) -> None:
    reply = request("GET", "/roles/permissions")
    assert reply.status == 200, reply.body
    listed = {p["name"]: p for p in reply.data["permissions"]}
    assert listed["users:read"] == {
        "name": "users:read",
        "resource": "users",
        "action": "read",
        "description": "See the firm's members and their profiles",
    }
    assert not any(name.startswith("platform:") for name in listed)


def test_reading_roles_needs_roles_read(aws: Settings) -> None:
    for path in ("/roles", "/roles/permissions", "/roles/usage-counts", "/roles/role_owner"):
        reply = request("GET", path, STAFF)
        assert reply.status == 403, (path, reply.body)
        assert reply.error["details"] == {"permission": "roles:read"}


# --- update -----------------------------------------------------------------------------------


def test_seed_001_updates_a_role_and_a_no_op_put_keeps_the_version(aws: Settings) -> None:
    role_id = create().data["id"]
    body = {"name": "Senior Manager", "permissions": ["users.view", "users.edit", "roles.view"]}
    reply = request("PUT", f"/roles/{role_id}", body=body)
    assert reply.status == 200, reply.body
    assert (reply.data["name"], reply.data["permissions"], reply.data["version"]) == (
        "Senior Manager",
        ["users:read", "users:write", "roles:read"],
        2,
    )
    assert reply.headers["ETag"] == '"v2"'
    # the same PUT again, or the permissions in another order, changes nothing
    for same in (body, {"permissions": ["roles:read", "users:write", "users:read"]}, {}):
        again = request("PUT", f"/roles/{role_id}", body=same)
        assert (again.status, again.headers["ETag"]) == (200, '"v2"'), again.body
    assert [a["action"] for a in stored(aws, "audit")].count("role.updated") == 1


def test_if_match_guards_update_and_delete(aws: Settings) -> None:
    role_id = create().data["id"]
    request("PUT", f"/roles/{role_id}", body={"name": "Changed"})
    for method, body in (("PUT", {"name": "Lost update"}), ("DELETE", None)):
        reply = request(method, f"/roles/{role_id}", body=body, headers={"If-Match": '"v1"'})
        assert reply.status == 412, reply.body
    assert request("GET", f"/roles/{role_id}").data["name"] == "Changed"
    assert request("DELETE", f"/roles/{role_id}", headers={"If-Match": '"v2"'}).status == 200


def test_a_slug_change_frees_the_old_slug_and_claims_the_new(aws: Settings) -> None:
    role_id = create().data["id"]
    taken = create(slug="taken", name="Other").data
    assert request("PUT", f"/roles/{role_id}", body={"slug": "taken"}).status == 409
    assert request("PUT", f"/roles/{role_id}", body={"slug": "lead"}).data["slug"] == "lead"
    assert create(name="New manager").status == 201  # "manager" is free again
    assert request("GET", "/roles/lead").data["id"] == role_id
    assert taken["slug"] == "taken"


def test_a_description_can_be_cleared(aws: Settings) -> None:
    role_id = create().data["id"]
    reply = request("PUT", f"/roles/{role_id}", body={"description": None})
    assert (reply.status, reply.data["description"]) == (200, "")


@pytest.mark.parametrize("reference", ["role_owner", "1", "role_client", "6"])
def test_system_roles_cannot_be_edited_or_deleted(aws: Settings, reference: str) -> None:
    for method, body in (("PUT", {"permissions": ["*"], "name": "Boss"}), ("DELETE", None)):
        reply = request(method, f"/roles/{reference}", body=body)
        assert reply.status == 403, reply.body
        assert "cannot be changed or deleted" in reply.error["message"]
    assert request("GET", f"/roles/{reference}").data["version"] == 1


# --- nobody grants what they do not hold ------------------------------------------------------


def test_nobody_creates_a_role_beyond_their_grants(aws: Settings) -> None:
    # Given an office manager who reads cases but cannot delete them
    for grants in (["cases:delete"], ["cases:*"], ["*"], ["cases.view", "billing:read"]):
        reply = create(MANAGER, permissions=grants, slug="beyond")
        # Then a role granting more is refused, naming what is beyond them
        assert reply.status == 403, (grants, reply.body)
        assert reply.error["message"] == "You cannot grant permissions you do not hold"
    assert stored(aws, "role") == []
    # while a role within their grants is theirs to create
    assert create(MANAGER, permissions=["cases:read", "users.view"], slug="within").status == 201


def test_a_member_cannot_give_their_own_role_more_permissions(aws: Settings) -> None:
    # Given the manager's own role, created by the owner with exactly the manager's grants
    own = create(permissions=list(MANAGER.permissions), slug="office-manager").data
    # When the manager adds cases:write to it (or replaces its grants with *)
    for grants, beyond in (([*MANAGER.permissions, "cases:write"], ["cases:write"]), (["*"], ["*"])):
        reply = request("PUT", f"/roles/{own['id']}", MANAGER, body={"permissions": grants})
        # Then it is refused, naming what is beyond them, and the role is unchanged
        assert reply.status == 403, reply.body
        assert reply.error["details"]["permissions"] == beyond
    assert request("GET", f"/roles/{own['id']}").data["version"] == 1


def test_a_member_cannot_take_away_what_they_could_not_give(aws: Settings) -> None:
    # Given a role the owner gave trust permissions
    role_id = create(permissions=["trust:read", "trust:write", "cases:read"], slug="trust").data["id"]
    # When the manager (no trust permissions) strips trust:write from it
    reply = request("PUT", f"/roles/{role_id}", MANAGER, body={"permissions": ["trust:read", "cases:read"]})
    assert reply.status == 403, reply.body
    assert reply.error["details"]["permissions"] == ["trust:write"]
    # while renaming it needs no trust permission
    assert request("PUT", f"/roles/{role_id}", MANAGER, body={"name": "Trust desk"}).status == 200


def test_writing_roles_needs_roles_write(aws: Settings) -> None:
    role_id = create().data["id"]
    reader = Principal(user_id="usr_reader", org_id=ORG, permissions=("roles:read", "users:*"))
    for method, path, body in (
        ("POST", "/roles", SEED_CREATE),
        ("PUT", f"/roles/{role_id}", {"name": "Mine"}),
        ("DELETE", f"/roles/{role_id}", None),
    ):
        reply = request(method, path, reader, body=body)
        assert reply.status == 403, reply.body
        assert reply.error["details"] == {"permission": "roles:write"}


# --- delete -----------------------------------------------------------------------------------


def test_a_role_in_use_cannot_be_deleted_and_says_by_how_many(aws: Settings) -> None:
    role_id = create().data["id"]
    hold(role_id, "usr_1")
    hold(role_id, "usr_2")
    reply = request("DELETE", f"/roles/{role_id}")
    assert reply.status == 409, reply.body
    assert reply.error["message"] == "The role is in use: 2 members hold it. Give them another role first"
    assert reply.error["details"] == {"memberCount": 2}
    assert request("GET", f"/roles/{role_id}").status == 200


def test_an_assignment_racing_a_delete_cannot_leave_a_member_with_a_deleted_role(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a role that a member is given between the delete's read of its count and its transaction
    role_id = create().data["id"]
    read_with_count = service._with_count

    def member_arrives_after_the_read(org_id: str, ref: str) -> tuple[roles.CustomRole, int]:
        read = read_with_count(org_id, ref)  # what the delete read before the member arrived
        with transaction(Principal(user_id="usr_x", org_id=ORG)) as tx:
            roles.count_holders(tx, ORG, added=[role_id])
        return read

    monkeypatch.setattr(service, "_with_count", member_arrives_after_the_read)
    # When the delete goes ahead
    reply = request("DELETE", f"/roles/{role_id}")
    # Then the condition on the count refuses it, naming the member who arrived; the role stays
    assert reply.status == 409, reply.body
    assert reply.error["details"] == {"memberCount": 1}
    assert request("GET", f"/roles/{role_id}").status == 200


def test_an_unused_role_is_deleted_its_slug_freed_its_number_never_reused(aws: Settings) -> None:
    role_id = create().data["id"]
    reply = request("DELETE", f"/roles/{role_id}")
    assert reply.status == 200, reply.body
    assert reply.body["message"] == "Role deleted"
    assert request("GET", f"/roles/{role_id}").status == 404
    again = create()
    assert (again.status, again.data["slug"], again.data["number"]) == (201, "manager", 8)
    assert [a["action"] for a in stored(aws, "audit")].count("role.deleted") == 1
