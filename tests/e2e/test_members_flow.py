"""Members and invitations end to end on the emulator: issue 8's acceptance flow (an owner invites an
attorney, who accepts from the mail, is narrowed to a custom role and then revoked) and the seeds'
own `/users…` and `/invitations…` requests as printed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

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
    api: httpx.Client, mailbox: Mailbox
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
    assigned = api.put(f"/users/{attorney_id}", json={"role": role_id}, headers=owner_auth)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["data"]["roles"] == [role_id]

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
    # and they cannot sign in to the firm again
    assert (
        api.post(
            "/auth/login", json={"email": attorney_email, "password": PASSWORD, "organizationId": org_id}
        ).status_code
        != 200
    )
    # while the owner sees them revoked, and the reason in the audit trail
    listed = api.get("/users", params={"status": "revoked"}, headers=owner_auth).json()["data"]["users"]
    assert [m["id"] for m in listed] == [attorney_id]
    [entry] = audit_actions(api, owner_auth, "member.revoked")
    assert "Left the firm" in str(entry)
