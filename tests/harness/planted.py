"""Deliberately broken routes, for testing the harnesses themselves (never part of the product).

`planted_helpdesk(defects)` builds a stand-in for the helpdesk group — the feedback routes on the
platform's own resolver (`docket.api.resolver.build_app`), with the real request and response
models — keeping its items in memory, with the chosen defects:

- `CRASH_ON_REAL_ID`: `GET /feedback/{id}` fails (500) for an id that exists: only a caller that
  uses real ids reaches it;
- `CRASH_ON_NULL`: `PUT /feedback/{id}` declares its fields nullable (`PlantedFeedbackUpdate`)
  and then fails (500) when a field is sent as `null` — the mistake the real `FeedbackUpdate`
  cannot make (`Omittable` refuses null before the route);
- `LEAKY_LIST`: `GET /feedback` lists every tenant's items;
- `CROSS_TENANT_PUT`: `PUT /feedback/{id}` finds the id in any tenant and changes it, then answers
  404 to a caller of another tenant (as the real route would, so only a look at the item tells).

`serve_planted` serves the whole API on its own port through the emulator's gateway
(`infra.local.server.build_app` with a fake invoker): the helpdesk function is the planted one,
every other function (the authorizer, auth, directory…) the real one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from docket import clock
from docket.api.deps import CurrentPrincipal
from docket.api.models import InputModel, Nullable, Ok, Pagination
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.errors import NotFound
from docket.helpdesk.feedback import (
    Category,
    FeedbackIn,
    FeedbackList,
    FeedbackOut,
    Priority,
    Status,
)
from docket.ids import new_id
from docket.topology import API_GROUPS
from infra.local import invoke as real_invocation
from infra.local.invoke import LocalContext
from infra.local.server import HttpServer
from infra.local.server import build_app as build_gateway
from infra.tools import openapi
from infra.tools.functions import load
from tests.harness.changes import PlantedChanges
from tests.harness.spec import Spec

PLANTED_GROUP = "helpdesk"


class Defect(StrEnum):
    CRASH_ON_REAL_ID = "crash on a real id"
    CRASH_ON_NULL = "crash on null"
    LEAKY_LIST = "leaky list"
    CROSS_TENANT_PUT = "cross-tenant PUT"


class PlantedFeedbackUpdate(InputModel):
    """The update model with every field nullable: the spec then says `null` is a value."""

    feature: Nullable[str] = None
    rating: Nullable[int] = None
    comment: Nullable[str] = None
    category: Nullable[Category] = None
    priority: Nullable[Priority] = None
    status: Nullable[Status] = None


class PlantedDefect(RuntimeError):
    """What a planted crash raises (the resolver answers it as any unexpected error: 500)."""


@dataclass
class _Item:
    org_id: str
    out: FeedbackOut


def planted_helpdesk(defects: frozenset[Defect], written: PlantedChanges) -> APIGatewayRestResolver:
    """The planted routes; every write they make is logged to `written`."""
    store: dict[str, _Item] = {}
    router = Router()

    def find(org_id: str, feedback_id: str, *, any_tenant: bool = False) -> _Item:
        item = store.get(feedback_id)
        if item is None or (item.org_id != org_id and not any_tenant):
            raise NotFound("Feedback not found")
        return item

    @router.get("/feedback", summary="List feedback (planted)", tags=["feedback"])
    def list_feedback(principal: CurrentPrincipal) -> Ok[FeedbackList]:
        shown = [
            item.out
            for item in store.values()
            if Defect.LEAKY_LIST in defects or item.org_id == principal.org_id
        ]
        return Ok(data=FeedbackList(feedback=shown, pagination=Pagination(limit=100, has_next=False)))

    @router.post("/feedback", status_code=201, summary="Submit feedback (planted)", tags=["feedback"])
    def submit(principal: CurrentPrincipal, body: FeedbackIn) -> Response[Ok[FeedbackOut]]:
        now = clock.iso()
        out = FeedbackOut(
            id=new_id("fb"),
            feature=body.feature,
            rating=body.rating,
            comment=body.comment,
            category=Category(body.category),
            priority=Priority(body.priority),
            status=Status.NEW,
            user_id=principal.user_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        store[out.id] = _Item(principal.org_id, out)
        written.log.append((principal.org_id, f"created {out.id}"))
        return ok(out, status=201, version=out.version, location=f"/feedback/{out.id}")

    @router.get("/feedback/<feedbackId>", summary="Get feedback (planted)", tags=["feedback"])
    def get_feedback(principal: CurrentPrincipal, feedbackId: str) -> Response[Ok[FeedbackOut]]:
        item = find(principal.org_id, feedbackId)
        if Defect.CRASH_ON_REAL_ID in defects:
            raise PlantedDefect("planted: a real id reaches a bug")
        return ok(item.out, version=item.out.version)

    @router.put("/feedback/<feedbackId>", summary="Update feedback (planted)", tags=["feedback"])
    def update(
        principal: CurrentPrincipal, feedbackId: str, body: PlantedFeedbackUpdate
    ) -> Response[Ok[FeedbackOut]]:
        item = find(principal.org_id, feedbackId, any_tenant=Defect.CROSS_TENANT_PUT in defects)
        changes: dict[str, Any] = body.model_dump(exclude_unset=True)
        if Defect.CRASH_ON_NULL in defects and any(value is None for value in changes.values()):
            raise PlantedDefect("planted: null reaches the item")
        changes = {name: value for name, value in changes.items() if value is not None}
        item.out = item.out.model_copy(
            update={**changes, "version": item.out.version + 1, "updated_at": clock.iso()}
        )
        written.log.append((item.org_id, f"updated {item.out.id}: {changes}"))
        if item.org_id != principal.org_id:
            raise NotFound("Feedback not found")  # the change is made; the answer hides it
        return ok(item.out, version=item.out.version)

    return build_app(PLANTED_GROUP, [router])


# The real invoker runs in-process functions one at a time (the layer keeps request state in module
# globals); the planted function runs in this process too, so it waits for the same turn.
_turn = getattr(real_invocation, "_lock", None) or threading.RLock()


@dataclass
class PlantedApi:
    base_url: str
    spec: Spec
    #: the planted group's writes (the rest of the API writes to the table)
    written: PlantedChanges


@contextmanager
def serve_planted(defects: frozenset[Defect]) -> Iterator[PlantedApi]:
    """The whole API on a port of its own, the helpdesk group replaced by the planted one."""
    written = PlantedChanges()
    app = planted_helpdesk(defects, written)
    handler = make_handler(app)

    def invoker(function: str, event: dict[str, Any]) -> Any:
        if function == PLANTED_GROUP:
            with _turn:
                return handler(event, LocalContext(function))  # type: ignore[arg-type]
        return real_invocation.invoke(function, event)

    apps = {group.name: load(group.name).app for group in API_GROUPS}
    apps[PLANTED_GROUP] = app
    server = HttpServer.start(build_gateway(invoker=invoker))
    try:
        yield PlantedApi(
            base_url=f"{server.base_url}/v1", spec=Spec(openapi.build_spec(apps)), written=written
        )
    finally:
        server.stop()
