"""Calendar events: rules, writes and reads (permission, tenant and ethical wall checked here).

A write is one `TransactWriteItems`: the event, its audit entry, a check that its client is a live
client of the firm and one per attendee that they are an active member of it. Times are stored in
UTC. `GET /calendar/events?start=&end=` is a key range on the start-ordered index that serves the
request (all events, a case's, a client's or a type's): one Query a page, never a filter over
everything. Events of a case the caller is walled off from are a 404 and left out of every list.
Reminders are stored with the event; scheduling them (EventBridge Scheduler) is not built yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from docket import clock
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, page_of, paginate_window
from docket.calendar.entities import CalendarEvent
from docket.calendar.schemas import EventIn, EventOut, EventType, EventUpdate
from docket.cases.entities import require_case
from docket.cases.walls import Wall, wall_for
from docket.clients import service as clients
from docket.data import entities
from docket.data.changes import diff
from docket.data.listing import Listing, Narrowed, Order
from docket.data.models import org_key
from docket.data.transactions import Transaction
from docket.errors import ValidationFailed
from docket.ids import new_id
from docket.members.assignable import require_members
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.CALENDAR_READ
WRITE = permissions.CALENDAR_WRITE
WHAT = "Event"

LISTING: Listing[CalendarEvent] = Listing(
    CalendarEvent,
    orders={"start": Order(CalendarEvent.gsi1, lambda org: f"{org_key(org)}#EVENTS")},
    narrowed={
        "caseId": Narrowed(
            CalendarEvent.gsi2, "start", lambda org, case: f"{org_key(org)}#EVENTS#CASE#{case}", "case_id"
        ),
        "clientId": Narrowed(
            CalendarEvent.gsi3,
            "start",
            lambda org, client: f"{org_key(org)}#EVENTS#CLIENT#{client}",
            "client_id",
        ),
        "type": Narrowed(
            CalendarEvent.gsi4, "start", lambda org, kind: f"{org_key(org)}#EVENTS#TYPE#{kind}", "event_type"
        ),
    },
)


def utc(moment: dt.datetime) -> str:
    """A moment as stored: UTC, milliseconds, `Z` (a time without an offset is taken as UTC)."""
    return clock.iso(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


def present(item: CalendarEvent) -> EventOut:
    return EventOut(
        id=item.id,
        title=item.title,
        description=item.description,
        start=item.start_at,
        end=item.end_at,
        type=EventType(item.event_type),
        case_id=item.case_id,
        client_id=item.client_id,
        location=item.location,
        attendees=list(item.attendees or []),
        reminder=int(item.reminder) if item.reminder is not None else None,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def _links(tx: Transaction, item: CalendarEvent, changed: set[str], added: list[str]) -> None:
    if item.client_id and "client_id" in changed:
        clients.require_client(tx, item.org_id, item.client_id)
    if item.case_id and "case_id" in changed:
        require_case(tx, item.org_id, item.case_id)
    if added:
        require_members(tx, item.org_id, added, field="attendees")


def visible(principal: Principal, item: CalendarEvent, wall: Wall | None = None) -> CalendarEvent:
    (wall or wall_for(principal)).check(item.case_id, what=WHAT)
    return item


def create(principal: Principal, data: EventIn) -> CalendarEvent:
    principal.require(WRITE)
    wall_for(principal).check(data.case_id, what="Case")
    item = CalendarEvent(
        id=new_id(CalendarEvent.ID_PREFIX),
        org_id=principal.org_id,
        title=data.title,
        description=data.description,
        event_type=data.type.value,
        start_at=utc(data.start),
        end_at=utc(data.end),
        case_id=data.case_id,
        client_id=data.client_id,
        location=data.location,
        attendees=list(data.attendees) or None,
        reminder=data.reminder,
    )

    def also(tx: Transaction) -> None:
        _links(tx, item, {"client_id", "case_id"}, list(item.attendees or []))

    return entities.create(principal, item, action="calendar_event.created", also=also)


def get(principal: Principal, event_id: str) -> CalendarEvent:
    principal.require(READ)
    return visible(principal, entities.fetch(CalendarEvent, principal.org_id, event_id, what=WHAT))


def update(principal: Principal, event_id: str, data: EventUpdate, if_match: str | None) -> CalendarEvent:
    """Apply the sent fields (an event still ends after it starts); a no-op keeps the version."""
    principal.require(WRITE)
    wall = wall_for(principal)
    item = visible(principal, entities.fetch(CalendarEvent, principal.org_id, event_id, what=WHAT), wall)
    concurrency.check(if_match, item.version)
    sent: dict[str, Any] = data.model_dump(
        exclude_unset=True, by_alias=False, exclude={"start", "end", "type"}
    )
    if data.start is not None:
        sent["start_at"] = utc(data.start)
    if data.end is not None:
        sent["end_at"] = utc(data.end)
    if data.type is not None:
        sent["event_type"] = data.type.value
    if "attendees" in sent:
        sent["attendees"] = list(sent["attendees"] or []) or None
    changes = diff(item, sent)
    if not changes:
        return item
    if sent.get("end_at", item.end_at) < sent.get("start_at", item.start_at):
        raise ValidationFailed(
            "An event ends after it starts", details=[{"field": "end", "message": "must not be before start"}]
        )
    if "case_id" in changes:
        wall.check(changes.after["case_id"], what="Case")
    added = sorted(set(sent.get("attendees") or []) - set(item.attendees or []))

    def also(tx: Transaction) -> None:
        _links(tx, item, set(changes.after), added)

    entities.commit_changes(
        principal, item, changes, action="calendar_event.updated", if_match=if_match, also=also
    )
    return item


def delete(principal: Principal, event_id: str, if_match: str | None) -> CalendarEvent:
    """Cancelling an event deletes it (soft: the firm keeps its history)."""
    principal.require(WRITE)
    item = visible(principal, entities.fetch(CalendarEvent, principal.org_id, event_id, what=WHAT))
    concurrency.check(if_match, item.version)
    entities.remove(principal, item, action="calendar_event.deleted", if_match=if_match)
    return item


def _bound(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    moment = clock.parse(value)
    if moment is None:
        raise ValidationFailed(
            "Not an ISO 8601 date or time",
            details=[{"field": field, "message": "ISO 8601, e.g. 2025-01-20T10:00:00Z"}],
        )
    return clock.iso(moment)


def list_events(
    principal: Principal,
    page: PageRequest,
    *,
    start: str | None = None,
    end: str | None = None,
    event_type: EventType | None = None,
    case_id: str | None = None,
    client_id: str | None = None,
) -> Page[CalendarEvent]:
    """Events starting in [`start`, `end`), earliest first: one Query a page of the index that
    serves the request, `start`/`end` its key range; events of walled cases left out."""
    principal.require(READ)
    low, high = _bound(start, "start"), _bound(end, "end")
    if low is not None and high is not None and high < low:
        raise ValidationFailed(
            "The range ends before it starts", details=[{"field": "end", "message": "before start"}]
        )
    wall = wall_for(principal)
    filters = {"caseId": case_id, "clientId": client_id, "type": event_type.value if event_type else None}
    scope = Scope(tenant=principal.org_id, query={"list": "events", "start": low, "end": high, **filters})
    if wall.hides(case_id):
        return page_of([], page, next_cursor=None)
    plan = LISTING.plan(principal.org_id, sort="start", filters=filters)
    sort_key = plan.sort_key
    if low is not None and high is not None:
        window = sort_key.between(low, high)
    elif low is not None:
        window = sort_key >= low
    elif high is not None:
        window = sort_key < high
    else:
        window = None
    return paginate_window(
        lambda wanted, begin: plan.read(
            wanted, begin, forward=True, range_condition=window, keep=lambda e: not wall.hides(e.case_id)
        ),
        page,
        scope,
        key_of=plan.key_of,
    )
