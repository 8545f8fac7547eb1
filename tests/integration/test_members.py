"""Members of a firm, administered: seed 000's `GET/POST /users`, `GET/PUT/DELETE /users/{userId}` and
seed 001's admin update and `POST /users/:id/revoke`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from docket.errors import AuthenticationFailed, Forbidden
from docket.identity import accounts, sessions
from docket.security.authorizer import authenticate_rest
from docket.settings import Settings
from infra.local import mail as mailbox
from tests.integration.firm_support import PASSWORD, accept, add_member, invitation_token, register, sign_in
from tests.integration.support import call
from tests.integration.test_login_guard import actions

#: seed 000's `POST /users` body, as printed
SEED_000_MEMBER = {
    "email": "newuser@example.com",
    "name": "Jane Smith",
    "role": "paralegal",
    "phone": "+91-9876543210",
    "password": "password123",
}


def users(by: Any, **query: str) -> dict[str, Any]:
    reply = call("directory", "GET", "/users", principal=by, query=query)
    assert reply.status == 200, reply.body
    return dict(reply.data)


def emails(listed: dict[str, Any]) -> list[str]:
    return [m["email"] for m in listed["users"]]


def test_the_member_list_searches_filters_sorts_and_pages(aws: Settings) -> None:
    _org_id, owner = register("owner@acme.example")
    add_member(owner.principal, "zoe@acme.example", "paralegal", first_name="Zoe")
    add_member(owner.principal, "bob@acme.example", "staff", first_name="Bob")
    add_member(owner.principal, "amy@acme.example", "paralegal", first_name="Amy")
    by = owner.principal

    # seed 000's shape, newest first by default
    listed = users(by, page="1", limit="2")
    assert emails(listed) == ["amy@acme.example", "bob@acme.example"]
    assert {k: listed["pagination"][k] for k in ("page", "limit", "total", "pages")} == {
        "page": 1,
        "limit": 2,
        "total": 4,
        "pages": 2,
    }
    assert set(listed["users"][0]) >= {"id", "email", "name", "role", "status", "createdAt"}
    assert listed["users"][0]["name"] == "Amy Member"
    # search by name or email, any case
    assert emails(users(by, search="ZOE")) == ["zoe@acme.example"]
    assert emails(users(by, search="owner@acme")) == ["owner@acme.example"]
    # by role (any name of it) and status
    assert sorted(emails(users(by, role="paralegal"))) == ["amy@acme.example", "zoe@acme.example"]
    assert emails(users(by, role="5")) == ["bob@acme.example"]
    assert len(users(by, status="active")["users"]) == 4
    assert users(by, status="revoked")["users"] == []
    # sorted by name or email, both ways; pages follow the sort
    assert emails(users(by, sortBy="name")) == [
        "owner@acme.example",
        "amy@acme.example",
        "bob@acme.example",
        "zoe@acme.example",
    ]
    assert emails(users(by, sortBy="email", sortOrder="desc")) == [
        "zoe@acme.example",
        "owner@acme.example",
        "bob@acme.example",
        "amy@acme.example",
    ]
    first = users(by, sortBy="email", limit="3")
    rest = users(by, sortBy="email", limit="3", cursor=first["pagination"]["nextCursor"])
    assert emails(first) + emails(rest) == sorted(emails(first) + emails(rest))
    assert len(emails(rest)) == 1
    # seed 001's request: page, limit, search
    assert emails(users(by, page="1", limit="10", search="bob")) == ["bob@acme.example"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sortBy": "salary"}, "sortBy"),
        ({"status": "gone"}, "status"),
        ({"role": "nobody"}, "role"),
        ({"limit": "101"}, "limit"),
    ],
)
def test_a_list_asked_wrongly_is_a_400_naming_the_parameter(
    aws: Settings, query: dict[str, str], field: str
) -> None:
    _, owner = register("owner@acme.example")
    reply = call("directory", "GET", "/users", principal=owner.principal, query=query)
    assert reply.status == 400, reply.body
    assert field in [d["field"] for d in reply.error["details"]]


def test_seed_000_adds_a_member_but_not_with_a_common_password(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    # Given seed 000's request as printed: "password123" is refused by the policy, with the reasons
    refused = call("directory", "POST", "/users", principal=owner.principal, body=SEED_000_MEMBER)
    assert refused.status == 400, refused.body
    assert {d["field"] for d in refused.error["details"]} == {"password"}
    assert accounts.find_user_by_email("newuser@example.com") is None
    assert mailbox.messages(to="newuser@example.com") == []

    # When the same request carries a strong temporary password
    body = {**SEED_000_MEMBER, "password": "Temporary-Pass-71"}
    added = call("directory", "POST", "/users", principal=owner.principal, body=body)
    # Then the member exists with that role and phone, and their password is pending their choice
    assert added.status == 201, added.body
    assert added.headers["Location"] == f"/users/{added.data['id']}"
    member = added.data
    assert (member["name"], member["role"], member["phone"], member["passwordPending"]) == (
        "Jane Smith",
        "paralegal",
        "+91-9876543210",
        True,
    )
    assert sign_in("newuser@example.com", org_id, "Temporary-Pass-71").principal.roles == ("paralegal",)
    assert "user.created" in actions(org_id)

    # And the welcome mail's link sets the password they choose (and verifies the address)
    [welcome] = mailbox.messages(to="newuser@example.com")
    token = re.search(r"token=([A-Za-z0-9_\-]+)", welcome["text"]).group(1)  # type: ignore[union-attr]
    chosen = call(
        "auth", "POST", "/auth/reset-password", body={"token": token, "newPassword": "Chosen-Horse-88"}
    )
    assert chosen.status == 200, chosen.body
    user = accounts.find_user_by_email("newuser@example.com")
    assert user is not None
    assert user.email_verified_at is not None
    assert not user.password_change_required
    assert sign_in("newuser@example.com", org_id, "Chosen-Horse-88").user_id == member["id"]
    # the link worked once
    again = call(
        "auth", "POST", "/auth/reset-password", body={"token": token, "newPassword": "Other-Horse-99"}
    )
    assert again.status == 400


def test_an_address_with_an_account_is_invited_rather_than_added(aws: Settings) -> None:
    register("lawyer@home.example", firm="Home LLP")
    org_id, owner = register("owner@acme.example")
    body = {
        "email": "lawyer@home.example",
        "name": "Someone Else",
        "role": "staff",
        "password": "Whatever-Pass-1",
    }
    reply = call("directory", "POST", "/users", principal=owner.principal, body=body)
    assert reply.status == 202, reply.body
    assert reply.data["status"] == "pending"
    assert reply.data["email"] == "lawyer@home.example"
    # nothing of the account changed, and it is no member until its owner accepts
    assert sign_in("lawyer@home.example").principal.org_id != org_id
    with pytest.raises(Forbidden, match="not a member"):
        accounts.login("lawyer@home.example", PASSWORD, organization_id=org_id)
    assert invitation_token("lawyer@home.example")


def test_a_member_is_read_with_an_etag_and_another_firms_is_not_found(aws: Settings) -> None:
    _, owner = register("owner@acme.example")
    _, other = register("owner@else.example", firm="Else LLP")
    member = add_member(owner.principal, "jane@acme.example", "staff")
    found = call("directory", "GET", f"/users/{member.user_id}", principal=owner.principal)
    assert found.status == 200, found.body
    assert found.headers["ETag"] == f'"v{found.data["version"]}"'
    assert found.data["emailVerified"] is True
    for user_id in (member.user_id, owner.user_id, "usr_nobody", "me-too"):
        missing = call("directory", "GET", f"/users/{user_id}", principal=other.principal)
        assert (missing.status, missing.error["message"]) == (404, "User not found")


def test_the_admin_update_of_seed_001_for_an_account_the_firm_made(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    added = call(
        "directory",
        "POST",
        "/users",
        principal=owner.principal,
        body={"email": "typo@exmaple.com", "name": "Jon Do", "role": "staff"},
    )
    user_id = added.data["id"]
    [first_welcome] = mailbox.messages(to="typo@exmaple.com")
    old_token = re.search(r"token=([A-Za-z0-9_\-]+)", first_welcome["text"]).group(1)  # type: ignore[union-attr]
    # When the owner sends seed 001's admin update, as printed
    body = {"first_name": "John", "last_name": "Doe", "email": "newemail@example.com", "status": "active"}
    changed = call("directory", "PUT", f"/users/{user_id}", principal=owner.principal, body=body)
    # Then the account the firm made is corrected: the welcome goes to the new address
    assert changed.status == 200, changed.body
    assert (changed.data["name"], changed.data["email"]) == ("John Doe", "newemail@example.com")
    assert changed.headers["ETag"] == '"v2"'
    assert accounts.find_user_by_email("typo@exmaple.com") is None
    assert accounts.find_user_by_email("newemail@example.com").id == user_id  # type: ignore[union-attr]
    assert mailbox.messages(to="newemail@example.com")
    # the link mailed to the old address no longer works
    stale = call(
        "auth", "POST", "/auth/reset-password", body={"token": old_token, "newPassword": "Chosen-Horse-88"}
    )
    assert stale.status == 400
    # seed 000 prints the update with no body: the member as they are
    bare = call("directory", "PUT", f"/users/{user_id}", principal=owner.principal)
    assert (bare.status, bare.headers["ETag"], bare.data["email"]) == (200, '"v2"', "newemail@example.com")
    # the same request again changes nothing, and keeps the ETag
    same = call("directory", "PUT", f"/users/{user_id}", principal=owner.principal, body=body)
    assert (same.status, same.headers["ETag"]) == (200, '"v2"')
    # the audit entry says what changed
    assert "user.updated" in actions(org_id)


def test_a_temporary_password_changed_by_its_user_is_no_longer_the_firms_to_correct(aws: Settings) -> None:
    # Given a member the firm added with a temporary password, who signs in with it
    org_id, owner = register("owner@acme.example")
    body = {
        "email": "jane@acme.example",
        "name": "Jane Smith",
        "role": "staff",
        "password": "Temporary-Pass-71",
    }
    user_id = call("directory", "POST", "/users", principal=owner.principal, body=body).data["id"]
    jane = sign_in("jane@acme.example", org_id, "Temporary-Pass-71")
    # When she changes it to her own (seed 001's route)
    changed = call(
        "directory",
        "PUT",
        "/users/me/change-password",
        principal=jane.principal,
        body={"current_password": "Temporary-Pass-71", "new_password": "Her-Own-Horse-58"},
    )
    assert changed.status == 200, changed.body
    # Then her password is no longer pending, and the firm can no longer move her account's address
    # (an administrator who could would take the account over with a password reset)
    path = f"/users/{user_id}"
    assert call("directory", "GET", path, principal=owner.principal).data["passwordPending"] is False
    moved = call("directory", "PUT", path, principal=owner.principal, body={"email": "admin@evil.example"})
    assert moved.status == 409, moved.body
    assert accounts.find_user_by_email("jane@acme.example").id == user_id  # type: ignore[union-attr]


def test_an_account_that_is_not_the_firms_alone_keeps_its_details(aws: Settings) -> None:
    register("lawyer@home.example", firm="Home LLP")
    _org_id, owner = register("owner@acme.example")
    call(
        "directory",
        "POST",
        "/invitations",
        principal=owner.principal,
        body={"email": "lawyer@home.example", "roleId": "staff"},
    )
    accept(invitation_token("lawyer@home.example"), {"password": PASSWORD})
    lawyer = accounts.find_user_by_email("lawyer@home.example")
    assert lawyer is not None
    for body in ({"first_name": "Mallory"}, {"email": "mallory@evil.example"}, {"phone": "+1 555 0100"}):
        refused = call("directory", "PUT", f"/users/{lawyer.id}", principal=owner.principal, body=body)
        assert refused.status == 409, refused.body
    assert accounts.get_user(lawyer.id).first_name == "Ada"
    # its role in this firm is the firm's to change
    moved = call(
        "directory", "PUT", f"/users/{lawyer.id}", principal=owner.principal, body={"role": "paralegal"}
    )
    assert moved.status == 200, moved.body
    # an account whose owner chose a password keeps its email even when it is the firm's alone
    member = add_member(owner.principal, "jane@acme.example", "staff")
    kept = call(
        "directory",
        "PUT",
        f"/users/{member.user_id}",
        principal=owner.principal,
        body={"email": "x@acme.example"},
    )
    assert kept.status == 409, kept.body


def test_a_lost_update_is_a_412_and_bad_fields_a_400(aws: Settings) -> None:
    _, owner = register("owner@acme.example")
    member = add_member(owner.principal, "jane@acme.example", "staff")
    path = f"/users/{member.user_id}"
    etag = call("directory", "GET", path, principal=owner.principal).headers["ETag"]
    assert call("directory", "PUT", path, principal=owner.principal, body={"role": "paralegal"}).status == 200
    stale = call(
        "directory",
        "PUT",
        path,
        principal=owner.principal,
        body={"role": "staff"},
        headers={"If-Match": etag},
    )
    assert stale.status == 412, stale.body
    for body, field in (
        ({"status": "revoked"}, "status"),
        ({"orgId": "org_other"}, "orgId"),
        ({"version": 9}, "version"),
        ({"createdAt": "2020-01-01T00:00:00Z"}, "createdAt"),
        ({"roles": ["owner"]}, "roles"),
        ({"role": "paralegal", "roleId": 3}, "body"),
    ):
        refused = call("directory", "PUT", path, principal=owner.principal, body=body)
        assert refused.status == 400, (body, refused.body)
        assert field in [d["field"] for d in refused.error["details"]], refused.error
    assert call("directory", "GET", path, principal=owner.principal).data["role"] == "paralegal"


def test_nobody_promotes_themselves_or_touches_someone_above_them(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    admin = add_member(owner.principal, "admin@acme.example", "admin")
    staff = add_member(owner.principal, "staff@acme.example", "staff")
    # an administrator cannot make themselves (or anyone) an owner or an attorney
    for role in ("owner", "attorney"):
        for target in (admin.user_id, staff.user_id):
            refused = call(
                "directory", "PUT", f"/users/{target}", principal=admin.principal, body={"role": role}
            )
            assert refused.status == 403, refused.body
    # nor demote, suspend, revoke or remove the owner
    owner_path = f"/users/{owner.user_id}"
    assert (
        call("directory", "PUT", owner_path, principal=admin.principal, body={"role": "staff"}).status == 403
    )
    assert (
        call("directory", "PUT", owner_path, principal=admin.principal, body={"status": "inactive"}).status
        == 403
    )
    revoke = call(
        "directory", "POST", f"{owner_path}/revoke", principal=admin.principal, body={"reason": "coup"}
    )
    assert revoke.status == 403
    assert call("directory", "DELETE", owner_path, principal=admin.principal).status == 403
    # staff may read the members but change nothing, their own role included
    assert call("directory", "GET", "/users", principal=staff.principal).status == 200
    assert (
        call(
            "directory", "PUT", f"/users/{staff.user_id}", principal=staff.principal, body={"role": "admin"}
        ).status
        == 403
    )
    # the administrator may run the office: staff becomes a paralegal
    assert (
        call(
            "directory",
            "PUT",
            f"/users/{staff.user_id}",
            principal=admin.principal,
            body={"role": "paralegal"},
        ).status
        == 200
    )
    assert sign_in("owner@acme.example", org_id).principal.roles == ("owner",)


def _jane_in_two_firms(role: str) -> tuple[str, str, Any, Any]:
    """Jane, owner of her own firm (Home LLP), joins Acme with `role` by invitation:
    `(her firm's id, Acme's id, Acme's owner, her session in Acme)`."""
    home_id, _ = register("jane@home.example", firm="Home LLP")
    org_id, owner = register("owner@acme.example")
    invited = call(
        "directory",
        "POST",
        "/invitations",
        principal=owner.principal,
        body={"email": "jane@home.example", "roleId": role},
    )
    assert invited.status == 201, invited.body
    accept(invitation_token("jane@home.example"), {"password": PASSWORD})
    return home_id, org_id, owner, sign_in("jane@home.example", org_id)


def test_revoking_a_member_ends_their_access_in_this_firm_at_once(aws: Settings) -> None:
    home_id, org_id, owner, here = _jane_in_two_firms("attorney")
    elsewhere = sign_in("jane@home.example", home_id)

    # When the owner revokes her with seed 001's request
    reply = call(
        "directory",
        "POST",
        f"/users/{here.user_id}/revoke",
        principal=owner.principal,
        body={"reason": "Violation of terms"},
    )
    # Then her tokens in this firm fail on the next call, and refreshing them too
    assert reply.status == 200, reply.body
    assert (reply.data["status"], reply.data["revokedReason"]) == ("revoked", "Violation of terms")
    with pytest.raises(AuthenticationFailed):
        authenticate_rest({"Authorization": f"Bearer {here.token}"})
    with pytest.raises(AuthenticationFailed):
        sessions.rotate(here.refresh_token)
    assert sessions.active(here.principal.session_id) is None
    with pytest.raises(Forbidden, match="not a member"):
        accounts.login("jane@home.example", PASSWORD, organization_id=org_id)
    # while her own firm is untouched
    assert authenticate_rest({"Authorization": f"Bearer {elsewhere.token}"}).org_id == home_id
    # audited with the reason
    assert "member.revoked" in actions(org_id)
    # she cannot be changed while revoked, until an administrator reinstates her
    path = f"/users/{here.user_id}"
    assert call("directory", "PUT", path, principal=owner.principal, body={"role": "staff"}).status == 409
    back = call("directory", "PUT", path, principal=owner.principal, body={"status": "active"})
    assert (back.status, back.data["revokedAt"]) == (200, None)
    assert sign_in("jane@home.example", org_id).principal.roles == ("attorney",)
    # nobody revokes themselves
    assert (
        call(
            "directory",
            "POST",
            f"/users/{owner.user_id}/revoke",
            principal=owner.principal,
            body={"reason": "x"},
        ).status
        == 403
    )


def test_suspending_a_member_stops_their_tokens_and_reactivating_lets_them_sign_in(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    member = add_member(owner.principal, "jane@acme.example", "staff")
    path = f"/users/{member.user_id}"
    assert (
        call("directory", "PUT", path, principal=owner.principal, body={"status": "inactive"}).status == 200
    )
    with pytest.raises(AuthenticationFailed):
        authenticate_rest({"Authorization": f"Bearer {member.token}"})
    assert [m["status"] for m in users(owner.principal, status="inactive")["users"]] == ["inactive"]
    assert call("directory", "PUT", path, principal=owner.principal, body={"status": "active"}).status == 200
    assert sign_in("jane@acme.example", org_id).principal.roles == ("staff",)


def test_removing_a_member_keeps_their_account(aws: Settings) -> None:
    home_id, org_id, owner, here = _jane_in_two_firms("staff")
    removed = call("directory", "DELETE", f"/users/{here.user_id}", principal=owner.principal)
    assert removed.status == 200, removed.body
    assert call("directory", "GET", f"/users/{here.user_id}", principal=owner.principal).status == 404
    with pytest.raises(AuthenticationFailed):
        authenticate_rest({"Authorization": f"Bearer {here.token}"})
    assert "jane@home.example" not in emails(users(owner.principal))
    # the account lives on in her own firm, and may be invited again
    assert sign_in("jane@home.example").principal.org_id == home_id
    again = call(
        "directory",
        "POST",
        "/invitations",
        principal=owner.principal,
        body={"email": "jane@home.example", "roleId": "staff"},
    )
    assert again.status == 201, again.body
    assert "member.removed" in actions(org_id)


def test_a_member_whose_default_firm_removes_them_signs_in_to_their_other_one(aws: Settings) -> None:
    _org_id, owner = register("owner@acme.example")
    member = add_member(owner.principal, "jane@acme.example", "staff")
    other_id, other = register("owner@else.example", firm="Else LLP")
    call(
        "directory",
        "POST",
        "/invitations",
        principal=other.principal,
        body={"email": "jane@acme.example", "roleId": "staff"},
    )
    accept(invitation_token("jane@acme.example"), {"password": PASSWORD})
    assert call("directory", "DELETE", f"/users/{member.user_id}", principal=owner.principal).status == 200
    assert sign_in("jane@acme.example").principal.org_id == other_id
