"""Calendar group: the firm's events — meetings, deadlines, court dates (seed 000)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.calendar import service
from docket.calendar.schemas import EventIn, EventList, EventOut, EventType, EventUpdate

router = Router()
TAGS = ["calendar"]

EventId = Annotated[str, Path(min_length=3, max_length=64, description="Event id (`event_…`)")]
Moment = Annotated[
    str | None,
    Query(
        min_length=10,
        max_length=40,
        description="ISO 8601 date or time (no offset: UTC)",
        examples=["2025-01-20T00:00:00Z"],
    ),
]
CaseFilter = Annotated[
    str | None, Query(alias="caseId", min_length=1, max_length=64, description="Only events of this case")
]
ClientFilter = Annotated[
    str | None, Query(alias="clientId", min_length=1, max_length=64, description="Only events of this client")
]


@router.get("/calendar/events", summary="Events starting between start and end, earliest first", tags=TAGS)
def list_events(
    principal: CurrentPrincipal,
    start: Moment = None,
    end: Moment = None,
    type: EventType | None = None,
    case_id: CaseFilter = None,
    client_id: ClientFilter = None,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
) -> Ok[EventList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = service.list_events(
        principal, request, start=start, end=end, event_type=type, case_id=case_id, client_id=client_id
    )
    return Ok(data=EventList(events=[service.present(e) for e in found.items], pagination=found.pagination))


@router.post("/calendar/events", status_code=201, summary="Schedule an event", tags=TAGS)
def create_event(principal: CurrentPrincipal, body: EventIn) -> Response[Ok[EventOut]]:
    item = service.create(principal, body)
    return ok(service.present(item), status=201, version=item.version, location=f"/calendar/events/{item.id}")


@router.get("/calendar/events/<eventId>", summary="Get an event", tags=TAGS)
def get_event(principal: CurrentPrincipal, eventId: EventId) -> Response[Ok[EventOut]]:
    item = service.get(principal, eventId)
    return ok(service.present(item), version=item.version)


@router.put("/calendar/events/<eventId>", summary="Change an event (time, attendees, links)", tags=TAGS)
def update_event(
    principal: CurrentPrincipal, eventId: EventId, body: EventUpdate, if_match: IfMatch
) -> Response[Ok[EventOut]]:
    item = service.update(principal, eventId, body, if_match)
    return ok(service.present(item), version=item.version)


@router.delete("/calendar/events/<eventId>", summary="Cancel (delete) an event", tags=TAGS)
def delete_event(principal: CurrentPrincipal, eventId: EventId, if_match: IfMatch) -> Response[Ok[EventOut]]:
    item = service.delete(principal, eventId, if_match)
    return ok(service.present(item), message="Event deleted")


app = build_app("calendar", [router])
handler = make_handler(app)
