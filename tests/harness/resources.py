"""What each path parameter of the API names, declared once for every harness: how a firm member
creates one, how its creator sees it (to tell whether anyone changed it), and where it is listed.

A route whose path parameter is not declared here fails the isolation suite until it is: the
harnesses cannot reach a route's logic without a real id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.harness.firms import Firm, Item, Member, log_in, pages


@dataclass(frozen=True)
class View:
    """A resource as its creator reads it: the answer's status, data and ETag."""

    status: int
    data: Any
    etag: str | None


@dataclass(frozen=True)
class Resource:
    parameter: str
    #: the function's 404 for an id it does not know says `<noun> not found`
    noun: str
    #: the roles of the firm members who create one each (its creator can read and change it)
    creators: tuple[str, ...]
    create: Callable[[httpx.Client, Member], str]
    view: Callable[[httpx.Client, Member, str], View]
    #: the list route that shows the firm's resources of this kind, if any
    listed_at: str | None = None


def _created(reply: httpx.Response) -> str:
    assert reply.status_code == 201, reply.text
    return str(reply.json()["data"]["id"])


def _listed(
    api: httpx.Client, path: str, member: Member, key: str, item_id: str, query: dict[str, str] | None = None
) -> View:
    found = [
        entry
        for reply in pages(api, path, member.headers, query)
        for entry in reply.json()["data"][key]
        if entry["id"] == item_id
    ]
    return View(200 if found else 404, found[0] if found else None, None)


def _feedback(api: httpx.Client, member: Member) -> str:
    body = {"feature": f"Harness {member.role}", "rating": 3, "comment": "first impressions"}
    return _created(api.post("/feedback", json=body, headers=member.headers))


def _feedback_view(api: httpx.Client, member: Member, item_id: str) -> View:
    reply = api.get(f"/feedback/{item_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _api_key(api: httpx.Client, member: Member) -> str:
    body = {"name": f"Harness {member.role}", "permissions": ["feedback:read"]}
    return _created(api.post("/auth/api-keys", json=body, headers=member.headers))


def _user(api: httpx.Client, member: Member) -> str:
    # a firm's user is the member themselves (platform administrators reach them by id)
    return member.user_id


def _user_view(api: httpx.Client, member: Member, user_id: str) -> View:
    # what a user sees of what platform administrators change about them: their plan and credits
    reply = api.get("/user/credits", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, None)


def _session(api: httpx.Client, member: Member) -> str:
    # another sign-in of the member: a session that is not the one the member's token belongs to
    return log_in(api, member.email, member.org_id)[1]


RESOURCES: dict[str, Resource] = {
    resource.parameter: resource
    for resource in (
        Resource(
            "feedbackId",
            "Feedback",
            creators=("owner", "staff"),
            create=_feedback,
            view=_feedback_view,
            listed_at="/feedback",
        ),
        Resource(
            "keyId",
            "API key",
            creators=("owner",),
            create=_api_key,
            view=lambda api, member, key_id: _listed(api, "/auth/api-keys", member, "apiKeys", key_id),
            listed_at="/auth/api-keys",
        ),
        Resource("userId", "User", creators=("owner", "staff"), create=_user, view=_user_view),
        Resource(
            "sessionId",
            "Session",
            creators=("owner", "staff"),
            create=_session,
            view=lambda api, member, session_id: _listed(
                api, "/auth/sessions", member, "sessions", session_id, {"status": "all"}
            ),
            listed_at="/auth/sessions",
        ),
    )
}


def create_item(api: httpx.Client, firm: Firm, parameter: str, member: Member) -> Item:
    member.renew()
    item = Item(parameter, RESOURCES[parameter].create(api, member), member)
    firm.items.append(item)
    return item


def furnish(api: httpx.Client, firm: Firm) -> Firm:
    """Give the firm one resource of every kind per creator role."""
    for resource in RESOURCES.values():
        for role in resource.creators:
            create_item(api, firm, resource.parameter, firm.member_with_role(role))
    return firm


def view(api: httpx.Client, item: Item) -> View:
    return RESOURCES[item.parameter].view(api, item.by, item.id)
