"""Tenant isolation checks, for any spec served on any base URL (the real API or a planted one).

Each check acts as one firm's member against another firm (or, for permissions, against its own),
and asks the change feed (tests/harness/changes.py) what of the victim firm's stored data changed
between the moment before the request and the moment its effects (the events it set off
included) were handled: it must be nothing.

The acting member always uses a session of its own (a route may log it out), opened before that
first moment (opening a session is a change of its firm).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from tests.harness.changes import ChangeFeed
from tests.harness.firms import Firm, Member, pages
from tests.harness.resources import RESOURCES, Resource, create_item
from tests.harness.spec import FORM, JSON, Operation

#: API Gateway answers a path no resource matches itself (`Missing Authentication Token`, which the
#: stack renders as a 404): a resource the function did not find must never look like that.
GATEWAY_ERROR_TYPE = "x-amzn-ErrorType"


def send(
    api: httpx.Client,
    operation: Operation,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    body: Any = None,
) -> httpx.Response:
    path = operation.fill(params or {})
    if body is None:
        return api.request(operation.method, path, headers=headers)
    if operation.media_type == FORM:
        return api.request(operation.method, path, headers=headers, data=body)
    return api.request(
        operation.method, path, headers={**headers, "Content-Type": JSON}, content=json.dumps(body)
    )


def acting(member: Member) -> dict[str, str]:
    """Headers of a new session of `member`, so that whatever the route does to it stays there."""
    token, _ = member.new_session()
    return {"Authorization": f"Bearer {token}"}


def valid_body(operation: Operation, bodies: dict[str, Any]) -> Any:
    """A body the operation accepts by its spec (`bodies` overrides per operation label); every
    field is filled, so a write that reached another tenant's item would change it."""
    if operation.label in bodies:
        return bodies[operation.label]
    if operation.media_type is None:
        return None
    body = operation.example_body(every_field=True)
    assert operation.body_valid(body), f"the harness's example body for {operation} is invalid: {body}"
    return body


def assert_unchanged(feed: ChangeFeed, firm: Firm, what: str) -> None:
    """Nothing of `firm`'s stored data changed since `feed.mark()`."""
    changed = feed.changes(firm)
    assert not changed, f"{what} changed another's data:\n  " + "\n  ".join(changed)


def _reproduction(operation: Operation, path: str, body: Any, reply: httpx.Response) -> str:
    return f"{operation.method} {path} body={json.dumps(body)} → {reply.status_code} {reply.text[:400]}"


def assert_resource_not_found(reply: httpx.Response, resource: Resource, what: str) -> None:
    """The function's own 404 for an id it does not know, not the gateway's route miss."""
    assert reply.status_code == 404, what
    assert GATEWAY_ERROR_TYPE not in reply.headers, f"the gateway answered (no such route): {what}"
    error = reply.json()["error"]
    assert error["code"] == "RESOURCE_NOT_FOUND", what
    assert error["message"] == f"{resource.noun} not found", what


def check_foreign_ids(
    api: httpx.Client,
    feed: ChangeFeed,
    operation: Operation,
    victim: Firm,
    intruder: Firm,
    bodies: dict[str, Any],
) -> None:
    """The intruder calls `operation` with the victim's real ids: the function answers that it has
    no such resource (naming it), and nothing of the victim's changes."""
    params = {name: victim.ids(name)[0] for name in operation.path_parameters}
    body = valid_body(operation, bodies)
    headers = acting(intruder.owner)
    feed.mark()
    reply = send(api, operation, headers, params, body)
    what = _reproduction(operation, operation.fill(params), body, reply)
    last = RESOURCES[operation.path_parameters[-1]]
    assert_resource_not_found(reply, last, what)
    assert_unchanged(feed, victim, f"{intruder.name}'s {what}")


def check_own_ids_work(api: httpx.Client, operation: Operation, firm: Firm, bodies: dict[str, Any]) -> None:
    """The control of `check_foreign_ids`: the owner's own call on a fresh resource of the firm
    reaches it (so a 404 for the intruder means isolation, not a route that finds nothing)."""
    params = {}
    for name in operation.path_parameters:
        creator = firm.member_with_role(RESOURCES[name].creators[0])
        params[name] = create_item(api, firm, name, creator).id
    body = valid_body(operation, bodies)
    reply = send(api, operation, acting(firm.owner), params, body)
    assert reply.status_code < 300, _reproduction(operation, operation.fill(params), body, reply)


def _contains_any(text: str, identifiers: Iterable[str]) -> list[str]:
    return sorted(value for value in identifiers if value and value in text)


def check_reads_stay_in_the_tenant(
    api: httpx.Client, operation: Operation, victim: Firm, intruder: Firm
) -> None:
    """Every page the intruder can read of a list or `/me` route names nothing of the victim's,
    while it does show the intruder's own resources listed there."""
    headers = acting(intruder.owner)
    replies = list(pages(api, operation.path, headers))
    assert replies[0].status_code == 200, _reproduction(operation, operation.path, None, replies[0])
    text = "\n".join(reply.text for reply in replies)
    leaked = _contains_any(text, victim.identifiers())
    assert not leaked, f"GET {operation.path} as {intruder.name}'s owner shows {victim.name}'s {leaked}"
    listed = [
        item.id
        for item in intruder.items
        if RESOURCES[item.parameter].listed_at == operation.path and item.by.user_id == intruder.owner.user_id
    ]
    missing = [item_id for item_id in listed if item_id not in text]
    assert not missing, (
        f"GET {operation.path} does not list the caller's own {missing}: the check would see no leak"
    )


def check_writes_stay_in_the_tenant(
    api: httpx.Client,
    feed: ChangeFeed,
    operation: Operation,
    victim: Firm,
    intruder: Firm,
    bodies: dict[str, Any],
) -> None:
    """A write that names no id (a `/me` route, a create) changes nothing of another firm."""
    body = valid_body(operation, bodies)
    headers = acting(intruder.owner)
    feed.mark()
    reply = send(api, operation, headers, None, body)
    assert reply.status_code < 500, _reproduction(operation, operation.path, body, reply)
    assert_unchanged(feed, victim, f"{intruder.name}'s {operation} {body}")


def check_platform_route_refused(
    api: httpx.Client,
    feed: ChangeFeed,
    operation: Operation,
    victim: Firm,
    member: Member,
    params: dict[str, str],
    body: Any,
) -> None:
    """A platform administrators' route called by a firm's member (an owner included, on their own
    firm's users or on another's): 403, and nothing of the victim firm changes."""
    headers = acting(member)
    feed.mark()
    reply = send(api, operation, headers, params, body)
    what = f"{member.role} of {member.org_id}: " + _reproduction(
        operation, operation.fill(params), body, reply
    )
    assert reply.status_code == 403, what
    assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", what
    assert_unchanged(feed, victim, what)


def check_refused_without_permission(
    api: httpx.Client,
    feed: ChangeFeed,
    operation: Operation,
    firm: Firm,
    member: Member,
    body: Any,
    item_creator: str = "owner",
) -> None:
    """A member of the firm whose role lacks what the operation needs is refused (403), on the
    firm's own resources, and nothing changes."""
    params = {}
    for name in operation.path_parameters:
        [chosen] = [
            item.id for item in firm.items if item.parameter == name and item.by.role == item_creator
        ][:1]
        params[name] = chosen
    headers = acting(member)
    feed.mark()
    reply = send(api, operation, headers, params, body)
    what = f"{member.role}: " + _reproduction(operation, operation.fill(params), body, reply)
    assert reply.status_code == 403, what
    assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", what
    assert_unchanged(feed, firm, what)
