"""Real callers: firms registered through the API, their members in system roles, logged in.

A firm's owner registers (`POST /auth/organization/register`), follows the verification mail and
logs in (`POST /auth/login`): the token carries what the owner role grants. Members in other
roles register their own account the same way and are then added to the firm with a role — the
one step written with the product's membership entities, because the invitations of seed 001
are not served yet (when they are, `join` should accept an invitation instead). Every token a
member uses comes from a login or from `accounts.open_session`, the step of a login that resolves
the permissions from the member's roles; none is minted with `*` for a user that does not exist.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from docket import clock
from docket.access import roles as access_roles
from docket.data.models import org_key
from docket.data.transactions import transaction
from docket.identity import accounts, roles, sessions
from docket.security.principal import Principal

PASSWORD = "Correct-Horse-42"
Mailbox = Callable[..., list[dict[str, Any]]]


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
        return {"Authorization": f"Bearer {self.token}"}

    def new_session(self) -> tuple[str, str]:
        """A new session in this firm, as a login opens it (roles resolved from the membership):
        `(access token, session id)`."""
        user = accounts.get_user(self.user_id)
        opened = accounts.open_session(user, organization_id=self.org_id, device="harness")
        assert opened.roles == (self.role,), opened.roles
        return opened.tokens.access_token, opened.tokens.session_id

    def renew(self) -> None:
        """Replace the token when its session has ended (a route under test may log it out)."""
        if sessions.active(self.session_id) is None:
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


def join(org_id: str, user_id: str, role: str) -> None:
    """Add an existing account to a firm with `role` (what accepting an invitation will do): the
    membership, the user's side of it and the role's holder count, in one transaction."""
    now = clock.iso()
    pk, sk = accounts.membership_key(org_id, user_id)
    with transaction(Principal(user_id=user_id, org_id=org_id)) as tx:
        tx.save(
            accounts.Membership(
                pk=pk,
                sk=sk,
                gsi1pk=f"{org_key(org_id)}#MEMBERS",
                gsi1sk=f"{now}#{user_id}",
                org_id=org_id,
                user_id=user_id,
                roles=[role],
                joined_at=now,
            )
        )
        tx.save(
            accounts.UserOrganization(
                pk=f"USER#{user_id}", sk=f"ORG#{org_id}", org_id=org_id, user_id=user_id, roles=[role]
            )
        )
        access_roles.count_holders(tx, org_id, added=[role])


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
        member_email, member_id, _ = sign_up(api, mailbox, f"{label}-{role}")
        join(org_id, member_id, role)
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
