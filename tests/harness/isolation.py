"""Tenant isolation checks, for any spec served on any base URL (the real API or a planted one).

Each check acts as one firm's member against another firm (or, for permissions, against its own),
and compares what a user of the victim firm would notice: every resource as its creator reads it
(data and ETag) and every list or `/me` answer as the firm's owner reads it, before and after.

The acting member always uses a session of its own (a route may log it out); the victim's reads
use the victim's sessions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from tests.harness.firms import Firm, Member, pages
from tests.harness.resources import RESOURCES, Resource, View, create_item, view
from tests.harness.spec import FORM, JSON, Operation, Spec

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


#: concurrent reads of a snapshot (the emulator runs 4 environments per function)
SNAPSHOT_READERS = 6
#: longer than any one check takes (a token needing no renewal before it needs none after it)
SNAPSHOT_MARGIN_S = 300


def firm_views(spec: Spec) -> list[Operation]:
    """The reads a firm's owner makes without naming an id: lists and `/me` answers."""
    return [
        op
        for op in spec.operations()
        if op.method == "GET" and not op.public and not op.platform and not op.path_parameters
    ]


@dataclass(frozen=True)
class Snapshot:
    items: dict[str, View]
    views: dict[str, list[Any]]

    def differences(self, later: Snapshot) -> list[str]:
        changed = [
            f"{key}: {before} → {later.items.get(key)}"
            for key, before in self.items.items()
            if later.items.get(key) != before
        ]
        changed += [
            f"GET {path} as the owner: {before} → {later.views.get(path)}"
            for path, before in self.views.items()
            if later.views.get(path) != before
        ]
        return changed


def snapshot(api: httpx.Client, spec: Spec, firm: Firm) -> Snapshot:
    """What the firm's users see of their data."""
    for member in firm.members:
        # a token replaced between two snapshots would show as a new session: replace any token
        # that could expire before the check that follows is over, before the first read
        member.renew(margin_s=SNAPSHOT_MARGIN_S)

    def listed(path: str) -> list[Any]:
        return [(reply.status_code, reply.json()) for reply in pages(api, path, firm.owner.headers)]

    # independent reads: sent at once, so the emulator's execution environments share them out
    with ThreadPoolExecutor(max_workers=SNAPSHOT_READERS) as readers:
        items = dict(
            zip(
                [f"{item.parameter}={item.id}" for item in firm.items],
                readers.map(lambda item: view(api, item), firm.items),
                strict=True,
            )
        )
        paths = [op.path for op in firm_views(spec)]
        views = dict(zip(paths, readers.map(listed, paths), strict=True))
    return Snapshot(items, views)


def assert_unchanged(before: Snapshot, after: Snapshot, what: str) -> None:
    changed = before.differences(after)
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
    api: httpx.Client, spec: Spec, operation: Operation, victim: Firm, intruder: Firm, bodies: dict[str, Any]
) -> None:
    """The intruder calls `operation` with the victim's real ids: the function answers that it has
    no such resource (naming it), and nothing of the victim's changes."""
    params = {name: victim.ids(name)[0] for name in operation.path_parameters}
    body = valid_body(operation, bodies)
    before = snapshot(api, spec, victim)
    reply = send(api, operation, acting(intruder.owner), params, body)
    what = _reproduction(operation, operation.fill(params), body, reply)
    last = RESOURCES[operation.path_parameters[-1]]
    assert_resource_not_found(reply, last, what)
    assert_unchanged(before, snapshot(api, spec, victim), f"{intruder.name}'s {what}")


def check_own_ids_work(
    api: httpx.Client, spec: Spec, operation: Operation, firm: Firm, bodies: dict[str, Any]
) -> None:
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
    api: httpx.Client, spec: Spec, operation: Operation, victim: Firm, intruder: Firm
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
    api: httpx.Client, spec: Spec, operation: Operation, victim: Firm, intruder: Firm, bodies: dict[str, Any]
) -> None:
    """A write that names no id (a `/me` route, a create) changes nothing of another firm."""
    body = valid_body(operation, bodies)
    before = snapshot(api, spec, victim)
    reply = send(api, operation, acting(intruder.owner), None, body)
    assert reply.status_code < 500, _reproduction(operation, operation.path, body, reply)
    assert_unchanged(before, snapshot(api, spec, victim), f"{intruder.name}'s {operation} {body}")


def check_platform_route_refused(
    api: httpx.Client,
    spec: Spec,
    operation: Operation,
    victim: Firm,
    member: Member,
    params: dict[str, str],
    body: Any,
) -> None:
    """A platform administrators' route called by a firm's member (an owner included, on their own
    firm's users or on another's): 403, and nothing of the victim firm changes. The acting session
    is opened before the snapshot: it may be the victim's owner's own, which lists its sessions."""
    headers = acting(member)
    before = snapshot(api, spec, victim)
    reply = send(api, operation, headers, params, body)
    what = f"{member.role} of {member.org_id}: " + _reproduction(
        operation, operation.fill(params), body, reply
    )
    assert reply.status_code == 403, what
    assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", what
    assert_unchanged(before, snapshot(api, spec, victim), what)


def check_refused_without_permission(
    api: httpx.Client,
    spec: Spec,
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
    before = snapshot(api, spec, firm)
    reply = send(api, operation, acting(member), params, body)
    what = f"{member.role}: " + _reproduction(operation, operation.fill(params), body, reply)
    assert reply.status_code == 403, what
    assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED", what
    assert_unchanged(before, snapshot(api, spec, firm), what)
