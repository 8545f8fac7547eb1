"""Members and invitations end to end on the emulator: issue 8's acceptance flow (an owner invites an
attorney, who accepts from the mail, is narrowed to a custom role and then revoked) and the seeds'
own `/users…` and `/invitations…` requests as printed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from docket.identity import accounts, passwords
from infra.local.server import Emulator
from tests.e2e.support import Socket
from tests.harness.firms import INVITED, PASSWORD, invitation_token, log_in, sign_up

pytestmark = pytest.mark.e2e

Mailbox = Callable[..., list[dict[str, Any]]]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def owner(api: httpx.Client, mailbox: Mailbox, label: str) -> tuple[str, str, dict[str, str]]:
    """A registered, verified firm owner, logged in: `(user id, organization id, headers)`."""
    email, user_id, org_id = sign_up(api, mailbox, label)
    token, _, _ = log_in(api, email, org_id)
    return user_id, org_id, bearer(token)


def audit_actions(api: httpx.Client, headers: dict[str, str], action: str) -> list[dict[str, Any]]:
    reply = api.get("/audit-logs", params={"action": action}, headers=headers)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"]["auditLogs"])


# --- issue 8's acceptance flow ---------------------------------------------------------------------


def test_an_invited_attorney_joins_is_narrowed_to_a_custom_role_and_is_revoked(
    api: httpx.Client, mailbox: Mailbox, ws_connect: Callable[..., AbstractContextManager[Socket]]
) -> None:
    # Given a firm's owner
    _, org_id, owner_auth = owner(api, mailbox, "flow-owner")
    attorney_email = f"attorney-{secrets.token_hex(4)}@counsel.example"

    # When the owner invites an attorney
    sent = api.post("/invitations", json={"email": attorney_email, "roleId": "attorney"}, headers=owner_auth)
    assert sent.status_code == 201, sent.text
    assert sent.json()["data"]["role"]["slug"] == "attorney"
    # Then the invitation's mail arrives in the attorney's mailbox, with the token the API never answers
    [mail] = [m for m in mailbox(to=attorney_email) if m["subject"].startswith(INVITED)]
    assert "as Attorney" in mail["text"]
    token = invitation_token(mailbox, attorney_email)
    assert token not in sent.text
    # and the token opens what the invitee may see: the firm, the role, the inviter — not the address
    seen = api.get(f"/invitations/token/{token}")
    assert seen.status_code == 200, seen.text
    assert (seen.json()["data"]["role"]["slug"], seen.json()["data"]["status"]) == ("attorney", "pending")
    assert attorney_email not in seen.text

    # When the attorney accepts it, creating their account
    accepted = api.post(
        f"/invitations/accept/{token}",
        json={"firstName": "Atticus", "lastName": "Finch", "password": PASSWORD},
    )
    # Then they are a member, signed in as an attorney of the firm
    assert accepted.status_code == 200, accepted.text
    joined = accepted.json()["data"]
    attorney_id = joined["user"]["id"]
    assert (joined["organization"]["id"], joined["user"]["roles"]) == (org_id, ["attorney"])
    session = joined["session"]
    attorney = bearer(session["accessToken"])
    assert session["user"]["permissions"] != ["cases:read"]  # an attorney holds far more
    assert api.get("/users", headers=attorney).status_code == 200  # attorneys see the firm's members
    assert api.get("/feedback", headers=attorney).status_code == 200
    # and the token works once only
    assert api.post(f"/invitations/accept/{token}", json={"password": PASSWORD}).status_code == 409

    # When the owner creates a role granting only cases:read and gives it to the attorney
    role = api.post("/roles", json={"name": "Case reader", "permissions": ["cases:read"]}, headers=owner_auth)
    assert role.status_code == 201, role.text
    role_id = role.json()["data"]["id"]
    with ws_connect(session["accessToken"]) as socket:
        socket.ping()
        assigned = api.put(f"/users/{attorney_id}", json={"role": role_id}, headers=owner_auth)
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["data"]["roles"] == [role_id]
        # (and the attorney's open WebSocket is told: their membership changed)
        pushed = socket.wait_for("member.updated")
    assert (pushed["entityId"], pushed["changes"], pushed["data"]["roles"]) == (
        attorney_id,
        ["roles"],
        [role_id],
    )

    # Then the attorney's very next request, with the same token, carries exactly that permission:
    # what needed any other permission is refused
    for path in ("/users", "/feedback", "/invitations", "/roles"):
        refused = api.get(path, headers=attorney)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"]["code"] == "AUTHORIZATION_FAILED"
    me = api.get("/users/me", headers=attorney)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["roles"] == [role_id]
    # and a sign-in states it: the custom role and cases:read, nothing else
    relogin = api.post(
        "/auth/login", json={"email": attorney_email, "password": PASSWORD, "organizationId": org_id}
    )
    assert relogin.status_code == 200, relogin.text
    stated = relogin.json()["data"]["user"]
    assert (stated["roles"], stated["permissions"]) == ([role_id], ["cases:read"])
    second = relogin.json()["data"]

    # When the owner revokes the attorney, with a reason
    revoked = api.post(f"/users/{attorney_id}/revoke", json={"reason": "Left the firm"}, headers=owner_auth)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["data"]["status"], revoked.json()["data"]["revokedReason"]) == (
        "revoked",
        "Left the firm",
    )

    # Then every token of theirs fails with 401: both sessions' access tokens and refresh tokens
    for access in (session["accessToken"], second["accessToken"]):
        assert api.get("/users/me", headers=bearer(access)).status_code == 401
    for refresh in (session["refreshToken"], second["refreshToken"]):
        refreshed = api.post("/auth/refresh", json={"refreshToken": refresh})
        assert refreshed.status_code == 401, refreshed.text
    # and they cannot sign in to the firm again (their password is right: the membership refuses)
    again = api.post(
        "/auth/login", json={"email": attorney_email, "password": PASSWORD, "organizationId": org_id}
    )
    assert again.status_code == 403, again.text
    assert "not a member" in again.json()["error"]["message"]
    # while the owner sees them revoked, and the reason in the audit trail
    listed = api.get("/users", params={"status": "revoked"}, headers=owner_auth).json()["data"]["users"]
    assert [m["id"] for m in listed] == [attorney_id]
    [entry] = audit_actions(api, owner_auth, "member.revoked")
    assert "Left the firm" in str(entry)


# --- the seeds' requests, as printed ----------------------------------------------------------------


def printed(
    emulator: Emulator,
    base: str,
    method: str,
    path: str,
    auth: dict[str, str] | None,
    body: str | None = None,
) -> httpx.Response:
    """A request as a seed prints it: its `Authorization` header when it has one, and `Content-Type:
    application/json` with the body when there is one (nothing else)."""
    headers = dict(auth or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
    return httpx.request(
        method,
        f"{emulator.base_url}{base}{path}",
        headers=headers,
        content=body.encode() if body is not None else None,
        timeout=20,
    )


def added(api: httpx.Client, auth: dict[str, str], email: str, name: str, role: str) -> str:
    """A member the firm adds (no password: they choose theirs from the welcome mail): their id."""
    reply = api.post("/users", json={"email": email, "name": name, "role": role}, headers=auth)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["data"]["id"])


def welcome_mails(mailbox: Mailbox, to: str) -> list[dict[str, Any]]:
    return [m for m in mailbox(to=to) if m["subject"].startswith("Welcome to")]


SEED_000_MEMBER = (
    '{\n  "email": "newuser@example.com",\n  "name": "Jane Smith",\n  "role": "paralegal",\n'
    '  "phone": "+91-9876543210",\n  "password": "password123"\n}'
)


def test_seed_000_member_requests_as_printed(emulator: Emulator, api: httpx.Client, mailbox: Mailbox) -> None:
    # Given a firm's owner and a member they added
    owner_id, _, auth = owner(api, mailbox, "seed000-users")
    member_id = added(api, auth, f"jane-{secrets.token_hex(3)}@seed000.example", "Jane Smith", "paralegal")

    # When seed 000's client lists the users (no query: page 1 of 20)
    listed = printed(emulator, "/v1", "GET", "/users", auth)
    # Then it gets seed 000's shape
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["success"] is True
    assert [u["id"] for u in body["data"]["users"]] == [member_id, owner_id]  # newest first
    assert {"id", "email", "name", "role", "status", "createdAt"} <= set(body["data"]["users"][0])
    assert (body["data"]["users"][0]["name"], body["data"]["users"][0]["role"]) == ("Jane Smith", "paralegal")
    assert body["data"]["pagination"]["limit"] == 20

    # When it creates seed 000's user as printed: "password123" is a temporary password the strength
    # policy refuses (a common password), so the contract is answered with a 400 naming the field
    welcomed = len(welcome_mails(mailbox, "newuser@example.com"))
    refused = printed(emulator, "/v1", "POST", "/users", auth, SEED_000_MEMBER)
    assert refused.status_code == 400, refused.text
    assert {d["field"] for d in refused.json()["error"]["details"]} == {"password"}
    # and nothing was created, nobody was mailed
    after = printed(emulator, "/v1", "GET", "/users", auth).json()["data"]["users"]
    assert [u["id"] for u in after] == [member_id, owner_id]
    assert len(welcome_mails(mailbox, "newuser@example.com")) == welcomed
    # the same request with a temporary password the policy accepts adds the member
    strong = SEED_000_MEMBER.replace("newuser@example.com", f"jane-{secrets.token_hex(3)}@seed000.example")
    created = printed(
        emulator, "/v1", "POST", "/users", auth, strong.replace("password123", "Temporary-Pass-71")
    )
    assert created.status_code == 201, created.text
    assert (created.json()["data"]["phone"], created.json()["data"]["passwordPending"]) == (
        "+91-9876543210",
        True,
    )

    # When it reads, updates (seed 000 prints the PUT with no body) and deletes the member by id
    read = printed(emulator, "/v1", "GET", f"/users/{member_id}", auth)
    unchanged = printed(emulator, "/v1", "PUT", f"/users/{member_id}", auth)
    deleted = printed(emulator, "/v1", "DELETE", f"/users/{member_id}", auth)
    # Then each answers: the member with its ETag, the bodiless PUT changing nothing (same version)
    assert read.status_code == 200, read.text
    assert read.json()["data"]["id"] == member_id
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["data"] == read.json()["data"]
    assert unchanged.headers["ETag"] == read.headers["ETag"] == '"v1"'
    assert deleted.status_code == 200, deleted.text
    # and the member is gone from the firm
    assert printed(emulator, "/v1", "GET", f"/users/{member_id}", auth).status_code == 404


SEED_001_ADMIN_UPDATE = (
    '{\n  "first_name": "John",\n  "last_name": "Doe",\n  "email": "newemail@example.com",\n'
    '  "status": "active"\n}'
)
SEED_001_INVITATION = '{\n  "email": "newuser@example.com",\n  "role_id": 2\n}'


def _seed_001_password_on_existing_account(email: str) -> bool:
    user = accounts.find_user_by_email(email)
    if user is None:
        return False
    user.update(actions=[accounts.User.password_hash.set(passwords.hash_password("SecurePassword123!"))])
    return True


SEED_001_ACCEPT = '{\n  "first_name": "Jane",\n  "last_name": "Doe",\n  "password": "SecurePassword123!"\n}'


def test_seed_001_user_requests_as_printed(emulator: Emulator, api: httpx.Client, mailbox: Mailbox) -> None:
    # Given a firm's owner, a John the firm added (no password chosen yet) and another member
    _, org_id, auth = owner(api, mailbox, "seed001-users")
    john = added(api, auth, f"john-{secrets.token_hex(3)}@seed001.example", "John Smith", "staff")
    added(api, auth, f"mary-{secrets.token_hex(3)}@seed001.example", "Mary Major", "staff")

    # When seed 001's client lists the organization's users as printed
    listed = printed(emulator, "/api/v1", "GET", "/users?page=1&limit=10&search=john", auth)
    # Then it finds John, on page 1 of 10
    assert listed.status_code == 200, listed.text
    assert [u["id"] for u in listed.json()["data"]["users"]] == [john]
    assert {k: listed.json()["data"]["pagination"][k] for k in ("page", "limit", "total")} == {
        "page": 1,
        "limit": 10,
        "total": 1,
    }

    # When it reads John, then updates him as an administrator (seed 001's body)
    read = printed(emulator, "/api/v1", "GET", f"/users/{john}", auth)
    updated = printed(emulator, "/api/v1", "PUT", f"/users/{john}", auth, SEED_001_ADMIN_UPDATE)
    # Then John is John Doe at the new address (an account the firm made, whose owner has not chosen
    # a password yet), and the new address gets a new welcome link
    assert read.status_code == 200, read.text
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert (data["firstName"], data["lastName"], data["email"], data["status"]) == (
        "John",
        "Doe",
        "newemail@example.com",
        "active",
    )
    assert data["version"] == read.json()["data"]["version"] + 1
    assert welcome_mails(mailbox, "newemail@example.com")

    # When a member who chose seed 001's old password changes it as printed
    invitee = f"pat-{secrets.token_hex(3)}@seed001.example"
    assert api.post("/invitations", json={"email": invitee, "role": "staff"}, headers=auth).status_code == 201
    joined = api.post(
        f"/invitations/accept/{invitation_token(mailbox, invitee)}",
        json={"firstName": "Pat", "lastName": "Member", "password": "OldPassword123!"},
    )
    assert joined.status_code == 200, joined.text
    pat = bearer(joined.json()["data"]["session"]["accessToken"])
    changed = printed(
        emulator,
        "/api/v1",
        "PUT",
        "/users/me/change-password",
        pat,
        '{\n  "current_password": "OldPassword123!",\n  "new_password": "NewPassword123!"\n}',
    )
    # Then the new password signs them in, and the old one no longer does
    assert changed.status_code == 200, changed.text
    signed = {"email": invitee, "organizationId": org_id}
    assert api.post("/auth/login", json={**signed, "password": "NewPassword123!"}).status_code == 200
    assert api.post("/auth/login", json={**signed, "password": "OldPassword123!"}).status_code == 401

    # When it revokes John's access as printed
    revoked = printed(
        emulator, "/api/v1", "POST", f"/users/{john}/revoke", auth, '{\n  "reason": "Violation of terms"\n}'
    )
    # Then John is revoked, with the reason
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["data"]["status"], revoked.json()["data"]["revokedReason"]) == (
        "revoked",
        "Violation of terms",
    )


def test_seed_001_invitation_requests_as_printed(
    emulator: Emulator, api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given a firm's owner
    _, org_id, auth = owner(api, mailbox, "seed001-invitations")
    # (the emulator is shared by the session's tests: should one have made an account for seed 001's
    # address, it is given the password of seed 001's body, as an account of that person would have)
    existed = _seed_001_password_on_existing_account("newuser@example.com")

    # When seed 001's client invites newuser@example.com with role 2, and lists the invitations
    sent = printed(emulator, "/api/v1", "POST", "/invitations", auth, SEED_001_INVITATION)
    listed = printed(emulator, "/api/v1", "GET", "/invitations?page=1&limit=10", auth)
    # Then the invitation is pending, for an administrator, and listed
    assert sent.status_code == 201, sent.text
    invitation = sent.json()["data"]
    assert (invitation["email"], invitation["role"]["number"], invitation["status"]) == (
        "newuser@example.com",
        2,
        "pending",
    )
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["data"]["invitations"]] == [invitation["id"]]
    assert listed.json()["data"]["pagination"]["page"] == 1

    # When the invitee opens the mail's token and accepts it with seed 001's body (no Authorization)
    token = invitation_token(mailbox, "newuser@example.com")
    seen = printed(emulator, "/api/v1", "GET", f"/invitations/token/{token}", None)
    accepted = printed(emulator, "/api/v1", "POST", f"/invitations/accept/{token}", None, SEED_001_ACCEPT)
    # Then they see the firm and the role, and join as its administrator
    assert seen.status_code == 200, seen.text
    assert seen.json()["data"]["role"]["slug"] == "admin"
    assert accepted.status_code == 200, accepted.text
    joined = accepted.json()["data"]
    assert (joined["organization"]["id"], joined["user"]["roles"], joined["user"]["name"]) == (
        org_id,
        ["admin"],
        "Jane Doe",
    )
    # a new account is signed in at once; one that existed (another test of this emulator made it)
    # proved itself with its password and signs in as usual
    assert (joined["session"] is None) == existed

    # When the firm invites someone else and seed 001's client deletes that invitation
    other = api.post(
        "/invitations",
        json={"email": f"other-{secrets.token_hex(3)}@seed001.example", "role_id": 5},
        headers=auth,
    ).json()["data"]
    deleted = printed(emulator, "/api/v1", "DELETE", f"/invitations/{other['id']}", auth)
    # Then it is withdrawn, and its token stops working
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["data"]["status"] == "revoked"
    withdrawn = invitation_token(mailbox, other["email"])
    assert (
        printed(emulator, "/api/v1", "GET", f"/invitations/token/{withdrawn}", None).json()["data"]["status"]
        == "revoked"
    )
    assert (
        printed(
            emulator, "/api/v1", "POST", f"/invitations/accept/{withdrawn}", None, SEED_001_ACCEPT
        ).status_code
        == 410
    )


# --- privilege escalation through the members' routes ------------------------------------------------


def invited(
    api: httpx.Client, mailbox: Mailbox, auth: dict[str, str], role: str
) -> tuple[str, dict[str, str]]:
    """Someone invited with `role` (a system role's slug or a custom role's id) who accepts, creating
    their account: `(user id, headers of their session)`."""
    email = f"member-{secrets.token_hex(4)}@escalation.example"
    sent = api.post("/invitations", json={"email": email, "roleId": role}, headers=auth)
    assert sent.status_code == 201, sent.text
    accepted = api.post(
        f"/invitations/accept/{invitation_token(mailbox, email)}",
        json={"firstName": "Member", "lastName": "Escalation", "password": PASSWORD},
    )
    assert accepted.status_code == 200, accepted.text
    data = accepted.json()["data"]
    return str(data["user"]["id"]), bearer(data["session"]["accessToken"])


def custom_role(api: httpx.Client, auth: dict[str, str], name: str, grants: list[str]) -> str:
    created = api.post("/roles", json={"name": name, "permissions": grants}, headers=auth)
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


def test_nobody_promotes_themselves_through_their_own_member(api: httpx.Client, mailbox: Mailbox) -> None:
    # Given an office manager (members and roles, no case rights beyond reading) and an administrator
    owner_id, _, auth = owner(api, mailbox, "self-promotion")
    grants = ["users:read", "users:write", "roles:read", "roles:write", "cases:read"]
    manager_role = custom_role(api, auth, "Office manager", grants)
    manager_id, manager = invited(api, mailbox, auth, manager_role)
    admin_id, admin = invited(api, mailbox, auth, "admin")

    attempts = {
        "manager makes themselves owner": (manager, manager_id, {"role": "owner"}),
        "manager makes themselves admin": (manager, manager_id, {"role": "admin"}),
        "manager makes themselves admin by number": (manager, manager_id, {"roleId": 2}),
        "manager makes themselves attorney": (manager, manager_id, {"role": "attorney"}),
        "admin makes themselves owner": (admin, admin_id, {"role": "owner"}),
        "admin makes themselves owner by number": (admin, admin_id, {"role_id": 1}),
        "manager demotes the owner": (manager, owner_id, {"role": "staff"}),
        "admin suspends the owner": (admin, owner_id, {"status": "inactive"}),
    }
    for attempt, (headers, target, body) in attempts.items():
        # When each tries it
        reply = api.put(f"/users/{target}", json=body, headers=headers)
        # Then it is refused, saying why
        assert reply.status_code == 403, (attempt, reply.text)
        assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", attempt
    # and neither can remove or revoke the owner
    for headers in (manager, admin):
        assert api.delete(f"/users/{owner_id}", headers=headers).status_code == 403
        revoke = api.post(f"/users/{owner_id}/revoke", json={"reason": "coup"}, headers=headers)
        assert revoke.status_code == 403, revoke.text
    # nor may anyone revoke themselves (another administrator must)
    assert api.post(f"/users/{admin_id}/revoke", json={"reason": "me"}, headers=admin).status_code == 403
    # and everyone holds what they held
    roles = {m["id"]: m["roles"] for m in api.get("/users", headers=auth).json()["data"]["users"]}
    assert roles == {owner_id: ["owner"], manager_id: [manager_role], admin_id: ["admin"]}
    # while what is within their grants works: the manager promotes a case reader to office manager
    reader_id, _ = invited(api, mailbox, auth, custom_role(api, auth, "Case reader", ["cases:read"]))
    promoted = api.put(f"/users/{reader_id}", json={"role": manager_role}, headers=manager)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["data"]["roles"] == [manager_role]


def test_the_last_owner_cannot_be_demoted_suspended_revoked_or_removed(
    api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given a firm's only owner, and a partner whose custom role grants everything (so they may act
    # on an owner: nothing the owner holds is beyond them)
    owner_id, _, auth = owner(api, mailbox, "last-owner")
    partner_role = custom_role(api, auth, "Partner", ["*"])
    _, partner = invited(api, mailbox, auth, partner_role)
    path = f"/users/{owner_id}"
    attempts = {
        "the owner demotes themselves": lambda: api.put(path, json={"role": "admin"}, headers=auth),
        "the owner suspends themselves": lambda: api.put(path, json={"status": "inactive"}, headers=auth),
        "the owner removes themselves": lambda: api.delete(path, headers=auth),
        "the partner demotes the owner": lambda: api.put(path, json={"role": partner_role}, headers=partner),
        "the partner suspends the owner": lambda: api.put(path, json={"status": "inactive"}, headers=partner),
        "the partner revokes the owner": lambda: api.post(
            f"{path}/revoke", json={"reason": "takeover"}, headers=partner
        ),
        "the partner removes the owner": lambda: api.delete(path, headers=partner),
    }
    for attempt, send in attempts.items():
        # When each is tried
        reply = send()
        # Then it is a 409 that says why
        assert reply.status_code == 409, (attempt, reply.text)
        error = reply.json()["error"]
        assert error["details"] == {"reason": "last_owner"}, attempt
        assert "at least one active owner" in error["message"], attempt
    # and the owner is as they were
    read = api.get(path, headers=auth).json()["data"]
    assert (read["roles"], read["status"], read["version"]) == (["owner"], "active", 1)
    # Once the partner is made an owner too, the first owner may step down
    partner_id = next(
        m["id"] for m in api.get("/users", headers=auth).json()["data"]["users"] if m["id"] != owner_id
    )
    assert api.put(f"/users/{partner_id}", json={"role": "owner"}, headers=auth).status_code == 200
    stepped = api.put(path, json={"role": "admin"}, headers=auth)
    assert stepped.status_code == 200, stepped.text


PROTECTED = {
    "orgId": "org_other",
    "ownerId": "usr_other",
    "version": 7,
    "createdAt": "2020-01-01T00:00:00Z",
    "updatedAt": "2020-01-01T00:00:00Z",
    "memberCount": 99,
}


def test_protected_fields_are_refused_on_members_and_invitations(api: httpx.Client, mailbox: Mailbox) -> None:
    # Given a firm's owner and a member
    _, _, auth = owner(api, mailbox, "mass-assignment")
    member_id, _ = invited(api, mailbox, auth, "staff")
    before = api.get(f"/users/{member_id}", headers=auth).json()["data"]
    email = f"mass-{secrets.token_hex(3)}@escalation.example"
    writes = {
        "POST /users": lambda extra: api.post(
            "/users", json={"email": email, "name": "Mass Assigned", "role": "staff", **extra}, headers=auth
        ),
        "PUT /users/{id}": lambda extra: api.put(
            f"/users/{member_id}", json={"role": "paralegal", **extra}, headers=auth
        ),
        "POST /invitations": lambda extra: api.post(
            "/invitations", json={"email": email, "roleId": "staff", **extra}, headers=auth
        ),
    }
    extras = {
        **PROTECTED,
        "status": "accepted",
        "expiresAt": "2099-01-01T00:00:00Z",
        "invitedBy": "usr_other",
        "tokenHash": "0" * 64,
        "roles": ["owner"],
        "passwordPending": False,
    }
    for route, send in writes.items():
        for name, value in extras.items():
            if route == "PUT /users/{id}" and name == "status":
                continue  # a member's status is theirs to change (active/inactive): not protected there
            # When a protected field rides along
            reply = send({name: value})
            # Then the write is a 400 naming it
            assert reply.status_code == 400, (route, name, reply.text)
            assert name in [d["field"] for d in reply.json()["error"]["details"]], (route, name)
    # and nothing changed: no member, no invitation, the member as they were
    assert email not in api.get("/users", headers=auth).text
    assert email not in api.get("/invitations", headers=auth).text
    after = api.get(f"/users/{member_id}", headers=auth).json()["data"]
    assert after == before
    assert (after["roles"], after["version"]) == (["staff"], 1)
    # and a status the route does not set (revoking takes a reason: POST /users/{id}/revoke) is refused
    revoked = api.put(f"/users/{member_id}", json={"status": "revoked"}, headers=auth)
    assert revoked.status_code == 400, revoked.text
    assert [d["field"] for d in revoked.json()["error"]["details"]] == ["status"]
