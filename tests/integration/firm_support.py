"""Firms built the way a law firm builds them, in process: the owner registers, members are invited
and accept (`docs/identity.md`), each signs in; their principals are what the authorizer gives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docket.identity import accounts
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from infra.local import mail as mailbox
from tests.integration.support import Reply, call

PASSWORD = "Correct-Horse-42"
INVITED = "You are invited to join"


@dataclass(frozen=True)
class Signed:
    principal: Principal
    token: str
    refresh_token: str

    @property
    def user_id(self) -> str:
        return self.principal.user_id


def principal_of(access_token: str) -> Principal:
    return authenticate_rest({"Authorization": f"Bearer {access_token}"})


def sign_in(email: str, org_id: str | None = None, password: str = PASSWORD) -> Signed:
    found = accounts.login(email, password, organization_id=org_id)
    return Signed(
        principal_of(found.tokens.access_token), found.tokens.access_token, found.tokens.refresh_token
    )


def register(email: str, firm: str = "Acme Law") -> tuple[str, Signed]:
    """A new firm and its owner, signed in: `(organization id, owner)`."""
    done = accounts.register(
        organization_name=firm,
        organization_email=f"office-{email}",
        first_name="Ada",
        last_name="Owner",
        email=email,
        password=PASSWORD,
    )
    return done.organization.id, sign_in(email, done.organization.id)


def invitation_token(email: str) -> str:
    """The token of the newest invitation mailed to `email`."""
    mail = next(m for m in mailbox.messages(to=email) if m["subject"].startswith(INVITED))
    found = re.search(r"/invitations/token/([A-Za-z0-9_\-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1)


def invite(by: Principal, email: str, role: Any) -> Reply:
    return call("directory", "POST", "/invitations", principal=by, body={"email": email, "roleId": role})


def accept(token: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Reply:
    return call("directory", "POST", f"/invitations/accept/{token}", body=body, headers=headers)


def add_member(by: Principal, email: str, role: Any, first_name: str = "Jane") -> Signed:
    """Invite `email` with `role` and accept as a new account: the member, signed in."""
    sent = invite(by, email, role)
    assert sent.status == 201, sent.body
    joined = accept(
        invitation_token(email), {"firstName": first_name, "lastName": "Member", "password": PASSWORD}
    )
    assert joined.status == 200, joined.body
    session = joined.data["session"]
    return Signed(principal_of(session["accessToken"]), session["accessToken"], session["refreshToken"])
