"""Invitations (seed 001): a firm invites by email with a role; the invitee accepts with the single-use,
expiring token the mail carries — creating their account, or proving the one they have is theirs."""

from __future__ import annotations

import threading
from typing import Any

import pyotp
import pytest

from docket.data.audit import AuditEntry, audit_partition
from docket.identity import accounts, mfa
from docket.members import invitations
from docket.settings import Settings
from tests.integration.conftest import TimeTravel
from tests.integration.firm_support import (
    PASSWORD,
    accept,
    add_member,
    invitation_token,
    invite,
    principal_of,
    register,
    sign_in,
)
from tests.integration.support import call
from tests.members import custom_role

SEED_ACCEPT = {"first_name": "Jane", "last_name": "Doe", "password": "SecurePassword123!"}


def listed_members(by: Any) -> list[dict[str, Any]]:
    listed = call("directory", "GET", "/users", principal=by, query={"limit": "100"})
    assert listed.status == 200, listed.body
    return list(listed.data["users"])


def members_of(org_id: str, by: Any) -> dict[str, dict[str, Any]]:
    assert by.org_id == org_id
    return {m["email"]: m for m in listed_members(by)}


def test_seed_001_invites_by_role_number_and_the_invitee_creates_their_account(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    # When the owner sends seed 001's request: role 2 is the administrator
    sent = call(
        "directory",
        "POST",
        "/invitations",
        principal=owner.principal,
        body={"email": "newuser@example.com", "role_id": 2},
    )
    # Then the invitation is pending with that role, and its token is in the invitee's mail only
    assert sent.status == 201, sent.body
    assert sent.headers["ETag"] == '"v1"'
    assert sent.data["status"] == "pending"
    assert sent.data["role"] == {"id": "role_admin", "number": 2, "slug": "admin", "name": "Administrator"}
    token = invitation_token("newuser@example.com")
    assert token not in str(sent.body)
    stored = invitations._load(org_id, sent.data["id"])
    assert token not in str(stored.serialize())

    # When the invitee opens the token: the firm, the role, who invited, until when — no ids, no address
    seen = call("directory", "GET", f"/invitations/token/{token}")
    assert seen.status == 200, seen.body
    assert seen.data == {
        "organization": {"name": "Acme Law"},
        "role": {"name": "Administrator", "slug": "admin"},
        "invitedBy": {"name": "Ada Owner"},
        "emailHint": "n***@example.com",
        "status": "pending",
        "expiresAt": sent.data["expiresAt"],
    }
    assert org_id not in str(seen.body)

    # And accepts with seed 001's body
    joined = accept(token, SEED_ACCEPT)
    assert joined.status == 200, joined.body
    assert joined.data["organization"]["id"] == org_id
    assert joined.data["user"]["role"] == "admin"
    assert joined.data["user"]["emailVerified"] is True
    # Then they are signed in as an administrator of the firm, and listed among its members
    session = principal_of(joined.data["session"]["accessToken"])
    assert (session.org_id, session.roles) == (org_id, ("admin",))
    assert members_of(org_id, owner.principal)["newuser@example.com"]["status"] == "active"
    assert sign_in("newuser@example.com", org_id, "SecurePassword123!").principal.roles == ("admin",)
    listed = call("directory", "GET", "/invitations", principal=owner.principal, query={"status": "accepted"})
    [shown] = listed.data["invitations"]
    assert (shown["id"], shown["acceptedBy"]) == (sent.data["id"], session.user_id)
    entries = list(AuditEntry.query(audit_partition(org_id, shown["acceptedAt"][:10])))
    assert {"user.invited", "invitation.accepted", "member.joined"} <= {e.action for e in entries}


def test_a_token_works_once_and_not_after_expiry_or_withdrawal(aws: Settings, travel: TimeTravel) -> None:
    org_id, owner = register("owner@acme.example")
    invite(owner.principal, "once@example.com", "staff")
    invite(owner.principal, "late@example.com", "staff")
    withdrawn = invite(owner.principal, "gone@example.com", "staff")
    once, late, gone = (
        invitation_token(e) for e in ("once@example.com", "late@example.com", "gone@example.com")
    )
    assert accept(once, SEED_ACCEPT).status == 200

    # accepting twice: 409, and nothing more is created
    again = accept(once, {**SEED_ACCEPT, "first_name": "Other"})
    assert again.status == 409, again.body
    assert "already been accepted" in again.error["message"]
    # withdrawn: 410
    deleted = call("directory", "DELETE", f"/invitations/{withdrawn.data['id']}", principal=owner.principal)
    assert deleted.status == 200, deleted.body
    assert deleted.data["status"] == "revoked"
    refused = accept(gone, SEED_ACCEPT)
    assert (refused.status, refused.error["code"]) == (410, "GONE")
    assert "withdrawn" in refused.error["message"]
    # expired: 410 (a week later)
    travel.forward(days=8)
    expired = accept(late, SEED_ACCEPT)
    assert (expired.status, expired.error["code"]) == (410, "GONE")
    assert "expired" in expired.error["message"]
    assert call("directory", "GET", f"/invitations/token/{late}").data["status"] == "expired"
    # a token nobody issued: the same 404 as any unknown one
    assert accept("x" * 43, SEED_ACCEPT).status == 404
    assert call("directory", "GET", "/invitations/token/made-up").error["message"] == "Invitation not found"
    # only the first acceptance made an account
    assert accounts.find_user_by_email("late@example.com") is None
    assert accounts.find_user_by_email("gone@example.com") is None
    assert set(members_of(org_id, sign_in("owner@acme.example", org_id).principal)) == {
        "owner@acme.example",
        "once@example.com",
    }


def test_two_acceptances_of_one_token_at_once_make_one_member(aws: Settings) -> None:
    _org_id, owner = register("owner@acme.example")
    invite(owner.principal, "twice@example.com", "staff")
    token = invitation_token("twice@example.com")
    statuses: list[int] = []

    def accept_now() -> None:
        statuses.append(accept(token, SEED_ACCEPT).status)

    threads = [threading.Thread(target=accept_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert [m["email"] for m in listed_members(owner.principal)].count("twice@example.com") == 1


def test_an_invitation_to_a_member_or_an_invitee_is_a_conflict(aws: Settings, travel: TimeTravel) -> None:
    _org_id, owner = register("owner@acme.example")
    add_member(owner.principal, "member@example.com", "staff")
    # an address that is a member already
    member = invite(owner.principal, "Member@Example.com", "paralegal")
    assert member.status == 409, member.body
    assert "member" in member.error["message"]
    # an address with a pending invitation, until it is withdrawn or expires
    first = invite(owner.principal, "new@example.com", "staff")
    assert invite(owner.principal, "new@example.com", "paralegal").status == 409
    call("directory", "DELETE", f"/invitations/{first.data['id']}", principal=owner.principal)
    second = invite(owner.principal, "new@example.com", "paralegal")
    assert second.status == 201, second.body
    travel.forward(days=8)
    assert invite(owner.principal, "new@example.com", "staff").status == 201
    # the older ones are listed as what they became
    listed = call("directory", "GET", "/invitations", principal=sign_in("owner@acme.example").principal)
    states = [(i["email"], i["status"]) for i in listed.data["invitations"]]
    assert states == [
        ("new@example.com", "pending"),
        ("new@example.com", "expired"),
        ("new@example.com", "revoked"),
        ("member@example.com", "accepted"),
    ]


def test_an_existing_account_joins_once_it_proves_it_is_theirs(aws: Settings) -> None:
    home_id, _ = register("lawyer@home.example", firm="Home LLP")
    org_id, owner = register("owner@acme.example")
    invite(owner.principal, "lawyer@home.example", "attorney")
    token = invitation_token("lawyer@home.example")

    # a wrong password changes nothing
    wrong = accept(token, {"password": "Wrong-Pass-000"})
    assert wrong.status == 401, wrong.body
    # no proof at all: told what to send
    bare = accept(token)
    assert bare.status == 401
    assert "password" in bare.error["message"]
    assert "lawyer@home.example" not in members_of(org_id, owner.principal)

    # the account's password: joined; the account's name is its own, not what the body says
    joined = accept(token, {"password": PASSWORD, "firstName": "Mallory"})
    assert joined.status == 200, joined.body
    assert joined.data["session"] is None  # an existing account signs in as usual
    assert joined.data["user"]["firstName"] == "Ada"
    assert joined.data["user"]["role"] == "attorney"
    there = sign_in("lawyer@home.example", org_id)
    assert there.principal.roles == ("attorney",)
    # still the owner of their own firm, which stays their default
    assert sign_in("lawyer@home.example").principal.org_id == home_id


def test_a_bearer_token_of_the_account_proves_it_and_another_accounts_does_not(aws: Settings) -> None:
    register("lawyer@home.example", firm="Home LLP")
    register("stranger@else.example", firm="Else LLP")
    org_id, owner = register("owner@acme.example")
    invite(owner.principal, "lawyer@home.example", "paralegal")
    token = invitation_token("lawyer@home.example")

    stranger = sign_in("stranger@else.example")
    refused = accept(token, headers={"Authorization": f"Bearer {stranger.token}"})
    assert refused.status == 403, refused.body
    forged = accept(token, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status == 401

    # an invitation to an address with no account is not the stranger's to take either
    invite(owner.principal, "fresh@example.com", "staff")
    fresh = accept(
        invitation_token("fresh@example.com"), headers={"Authorization": f"Bearer {stranger.token}"}
    )
    assert fresh.status == 403, fresh.body
    assert accounts.find_user_by_email("fresh@example.com") is None

    lawyer = sign_in("lawyer@home.example")
    joined = accept(token, headers={"Authorization": f"Bearer {lawyer.token}"})
    assert joined.status == 200, joined.body
    assert members_of(org_id, owner.principal)["lawyer@home.example"]["role"] == "paralegal"


def test_an_account_with_mfa_needs_its_code_to_join_by_password(aws: Settings) -> None:
    register("careful@home.example", firm="Home LLP")
    careful = sign_in("careful@home.example")
    secret = mfa.initialize(careful.user_id).secret
    mfa.confirm(careful.user_id, pyotp.TOTP(secret).now())
    org_id, owner = register("owner@acme.example")
    invite(owner.principal, "careful@home.example", "staff")
    token = invitation_token("careful@home.example")

    without = accept(token, {"password": PASSWORD})
    assert without.status == 401
    assert "mfaCode" in without.error["message"]
    assert "careful@home.example" not in members_of(org_id, owner.principal)


def test_nobody_invites_with_a_role_granting_what_they_do_not_hold(aws: Settings) -> None:
    _org_id, owner = register("owner@acme.example")
    admin = add_member(owner.principal, "admin@acme.example", "admin")
    staff = add_member(owner.principal, "staff@acme.example", "staff")
    # an administrator cannot make an owner (or an attorney, who holds trust money rights)
    for role in ("owner", 1, "attorney"):
        refused = invite(admin.principal, "climber@example.com", role)
        assert refused.status == 403, refused.body
    # staff may not invite at all
    assert invite(staff.principal, "friend@example.com", "staff").status == 403
    # an unknown role is a 404 naming it; nothing was sent
    assert invite(owner.principal, "who@example.com", "nobody").status == 404
    listed = call("directory", "GET", "/invitations", principal=owner.principal)
    assert [i["email"] for i in listed.data["invitations"]] == ["staff@acme.example", "admin@acme.example"]


def test_a_custom_role_by_its_slug_grants_exactly_its_permissions(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    custom_role(org_id, ("cases:read",), slug="case-reader")
    reader = add_member(owner.principal, "reader@acme.example", "case-reader")
    assert reader.principal.permissions == ("cases:read",)
    assert call("directory", "GET", "/users", principal=reader.principal).status == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/invitations", {"email": "x@example.com", "role_id": 2, "orgId": "org_other"}, "orgId"),
        ("/invitations", {"email": "x@example.com"}, "body"),
        ("/invitations", {"email": "x@example.com", "roleId": True}, "roleId"),
        ("/invitations", {"email": "not-an-address", "role_id": 2}, "email"),
    ],
)
def test_invitations_refuse_what_they_do_not_take(
    aws: Settings, path: str, body: dict[str, Any], field: str
) -> None:
    _, owner = register("owner@acme.example")
    refused = call("directory", "POST", path, principal=owner.principal, body=body)
    assert refused.status == 400, refused.body
    assert any(field in str(d.get("field")) for d in refused.error["details"]), refused.error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SEED_ACCEPT, "role": "owner"}, "role"),
        ({**SEED_ACCEPT, "organizationId": "org_x"}, "organizationId"),
        ({**SEED_ACCEPT, "password": "password123"}, "password"),
        ({"last_name": "Doe", "password": "SecurePassword123!"}, "firstName"),
    ],
)
def test_an_acceptance_that_cannot_be_honoured_changes_nothing(
    aws: Settings, body: dict[str, Any], field: str
) -> None:
    _org_id, owner = register("owner@acme.example")
    invite(owner.principal, "new@example.com", "staff")
    token = invitation_token("new@example.com")
    refused = accept(token, body)
    assert refused.status == 400, refused.body
    assert field in [d["field"] for d in refused.error["details"]]
    assert accounts.find_user_by_email("new@example.com") is None
    assert call("directory", "GET", f"/invitations/token/{token}").data["status"] == "pending"
