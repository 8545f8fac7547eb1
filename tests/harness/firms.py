"""Real callers: firms registered through the API, their members in system roles, logged in.

A firm's owner registers (`POST /auth/organization/register`), follows the verification mail and
logs in (`POST /auth/login`): the token carries what the owner role grants. Members in other
roles are invited by the owner (`POST /invitations`), follow the invitation's mail and accept it
(`POST /invitations/accept/{token}`, creating their account), then log in. Every token a member
uses comes from a login or from `accounts.open_session`, the step of a login that resolves the
permissions from the member's roles; none is minted with `*` for a user that does not exist.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from docket.identity import accounts, roles, sessions

PASSWORD = "Correct-Horse-42"
Mailbox = Callable[..., list[dict[str, Any]]]


#: how long before its expiry a member's access token is replaced when it is used
TOKEN_MARGIN_S = 60


def _expires_within(token: str, seconds: float) -> bool:
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return isinstance(expires, int | float) and expires - time.time() < seconds


@dataclass
class Member:
    """A user acting in one firm with one system role; `token` came from a real login."""

    user_id: str
    org_id: str
    email: str
    role: str
    token: str
    session_id: str

    @property
    def headers(self) -> dict[str, str]:
        # a module's checks outlast an access token (15 minutes): sign in again, as a client would
        # refresh, before it expires rather than let a long run turn into 401s
        self.renew(margin_s=TOKEN_MARGIN_S)
        return {"Authorization": f"Bearer {self.token}"}

    def new_session(self) -> tuple[str, str]:
        """A new session in this firm, as a login opens it (roles resolved from the membership):
        `(access token, session id)`."""
        user = accounts.get_user(self.user_id)
        opened = accounts.open_session(user, organization_id=self.org_id, device="harness")
        assert opened.roles == (self.role,), opened.roles
        return opened.tokens.access_token, opened.tokens.session_id

    def renew(self, *, margin_s: float = 0) -> None:
        """Replace the token when its session has ended (a route under test may log it out) or
        when it expires within `margin_s`."""
        if _expires_within(self.token, margin_s) or sessions.active(self.session_id) is None:
            self.token, self.session_id = self.new_session()


@dataclass(frozen=True)
class Item:
    """Something a member of a firm created: `parameter` is the path parameter naming it."""

    parameter: str
    id: str
    by: Member


@dataclass
class Firm:
    """A registered organization with an owner, a staff member and a client member, and its data."""

    name: str
    org_id: str
    owner: Member
    staff: Member
    client: Member
    items: list[Item] = field(default_factory=list)

    def ids(self, parameter: str) -> list[str]:
        """The ids of this firm's resources that `parameter` (`feedbackId`) names."""
        return [item.id for item in self.items if item.parameter == parameter]

    def parameters(self) -> dict[str, list[str]]:
        return {item.parameter: self.ids(item.parameter) for item in self.items}

    @property
    def members(self) -> tuple[Member, ...]:
        return (self.owner, self.staff, self.client)

    def member_with_role(self, role: str) -> Member:
        [found] = [m for m in self.members if m.role == role]
        return found

    def identifiers(self) -> set[str]:
        """Every value that names something of this firm: no other tenant may ever read one."""
        found = {self.org_id, *(m.user_id for m in self.members), *(m.email for m in self.members)}
        found.update(m.session_id for m in self.members)
        found.update(item.id for item in self.items)
        return found


def _verification_token(mailbox: Mailbox, email: str) -> str:
    [mail] = [m for m in mailbox(to=email) if m["subject"] == "Verify your Docket email address"]
    found = re.search(r"token=([A-Za-z0-9_\-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1)


def _unique_email(label: str) -> str:
    return f"{label}-{secrets.token_hex(4)}@harness.example"


def sign_up(api: httpx.Client, mailbox: Mailbox, label: str) -> tuple[str, str, str]:
    """Register a firm and verify its owner's address: `(email, user id, organization id)`."""
    email = _unique_email(label)
    registered = api.post(
        "/auth/organization/register",
        json={
            "organizationName": f"{label.title()} LLP",
            "organizationEmail": f"office-{email}",
            "firstName": label.title(),
            "lastName": "Harness",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 201, registered.text
    data = registered.json()["data"]
    verified = api.get("/auth/verify-email", params={"token": _verification_token(mailbox, email)})
    assert verified.status_code == 200, verified.text
    return email, data["userId"], data["organizationId"]


def log_in(api: httpx.Client, email: str, organization_id: str) -> tuple[str, str, list[str]]:
    """`POST /auth/login` into one organization: `(access token, session id, roles)`."""
    reply = api.post(
        "/auth/login",
        json={"email": email, "password": PASSWORD, "organizationId": organization_id},
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Harness/1.0"},
    )
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    token = data["accessToken"]
    return token, session_of(token), list(data["user"]["roles"])


def session_of(access_token: str) -> str:
    """The session an access token belongs to (its `sid` claim; the token is the API's own)."""
    return str(jwt.decode(access_token, options={"verify_signature": False})["sid"])


INVITED = "You are invited to join"


def invitation_token(mailbox: Mailbox, email: str) -> str:
    """The token of the newest invitation mailed to `email`."""
    [mail, *_] = [m for m in mailbox(to=email) if m["subject"].startswith(INVITED)]
    found = re.search(r"/invitations/token/([A-Za-z0-9_\-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1)


def join(api: httpx.Client, mailbox: Mailbox, owner: Member, label: str, role: str) -> tuple[str, str]:
    """Invite a new person to the owner's firm with `role`; they accept it, creating their account:
    `(email, user id)`."""
    email = _unique_email(label)
    sent = api.post("/invitations", json={"email": email, "roleId": role}, headers=owner.headers)
    assert sent.status_code == 201, sent.text
    body = {"firstName": label.title(), "lastName": "Harness", "password": PASSWORD}
    accepted = api.post(f"/invitations/accept/{invitation_token(mailbox, email)}", json=body)
    assert accepted.status_code == 200, accepted.text
    return email, str(accepted.json()["data"]["user"]["id"])


def _member(api: httpx.Client, email: str, user_id: str, org_id: str, role: str) -> Member:
    token, session_id, granted = log_in(api, email, org_id)
    assert granted == [role], f"{email} logged in as {granted}, not {role}"
    return Member(user_id=user_id, org_id=org_id, email=email, role=role, token=token, session_id=session_id)


def create_firm(api: httpx.Client, mailbox: Mailbox, label: str) -> Firm:
    """A firm with an owner, a staff member and a client member, all logged in (no data yet)."""
    email, owner_id, org_id = sign_up(api, mailbox, label)
    owner = _member(api, email, owner_id, org_id, roles.OWNER)
    others = []
    for role in (roles.STAFF, roles.CLIENT):
        member_email, member_id = join(api, mailbox, owner, f"{label}-{role}", role)
        others.append(_member(api, member_email, member_id, org_id, role))
    staff, client = others
    return Firm(name=label, org_id=org_id, owner=owner, staff=staff, client=client)


def pages(
    api: httpx.Client, path: str, headers: dict[str, str], query: dict[str, str] | None = None
) -> Iterator[httpx.Response]:
    """Every page of a list route (following `nextCursor`); a route that is no list is one page."""
    params: dict[str, Any] = dict(query or {})
    for _ in range(50):
        reply = api.get(path, headers=headers, params=params)
        yield reply
        body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        data = body.get("data") if isinstance(body, dict) else None
        pagination = data.get("pagination") if isinstance(data, dict) else None
        if reply.status_code != 200 or not isinstance(pagination, dict) or not pagination.get("hasNext"):
            return
        params = {**(query or {}), "cursor": pagination["nextCursor"], "limit": 100}
    raise AssertionError(f"{path} has more than 50 pages")
