"""Cases group (seed 000): cases, their activities and teams, behind the firm's ethical walls."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.cases import service
from docket.cases.params import (
    AssigneeFilter,
    CaseId,
    ClientFilter,
    DateFrom,
    DateTo,
    Search,
    SortBy,
    SortOrder,
)
from docket.cases.schemas import (
    ActivityIn,
    ActivityList,
    ActivityOut,
    CaseDetail,
    CaseIn,
    CaseList,
    CaseOut,
    CasePriority,
    CaseStatus,
    CaseUpdate,
    TeamOut,
    TeamUpdate,
)

router = Router()
TAGS = ["cases"]


@router.get("/cases", summary="List or search cases", tags=TAGS)
def list_cases(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    search: Search = None,
    status: CaseStatus | None = None,
    priority: CasePriority | None = None,
    client_id: ClientFilter = None,
    assigned_to: AssigneeFilter = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    sort_by: SortBy = "createdAt",
    sort_order: SortOrder = "desc",
) -> Ok[CaseList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = service.list_cases(
        principal,
        request,
        client_id=client_id,
        search_term=search,
        status=status,
        priority=priority,
        assigned_to=assigned_to,
        date_from=date_from,
        date_to=date_to,
        sort_by=sort_by,
        descending=sort_order == "desc",
    )
    return Ok(data=CaseList(cases=[service.present(c) for c in found.items], pagination=found.pagination))


@router.post("/cases", status_code=201, summary="Open a case for a client", tags=TAGS)
def create_case(principal: CurrentPrincipal, body: CaseIn) -> Response[Ok[CaseOut]]:
    item = service.create(principal, body)
    return ok(service.present(item), status=201, version=item.version, location=f"/cases/{item.id}")


@router.get("/cases/<caseId>", summary="Get a case with its recent activities", tags=TAGS)
def get_case(principal: CurrentPrincipal, caseId: CaseId) -> Response[Ok[CaseDetail]]:
    item, activities = service.get_with_activities(principal, caseId)
    return ok(service.present_detail(item, activities), version=item.version)


@router.put("/cases/<caseId>", summary="Update a case", tags=TAGS)
def update_case(
    principal: CurrentPrincipal, caseId: CaseId, body: CaseUpdate, if_match: IfMatch
) -> Response[Ok[CaseOut]]:
    item = service.update(principal, caseId, body, if_match)
    return ok(service.present(item), version=item.version)


@router.delete("/cases/<caseId>", summary="Delete a case (soft: its history is kept)", tags=TAGS)
def delete_case(principal: CurrentPrincipal, caseId: CaseId, if_match: IfMatch) -> Response[Ok[CaseOut]]:
    item = service.delete(principal, caseId, if_match)
    return ok(service.present(item), message="Case deleted")


@router.post("/cases/<caseId>/activities", status_code=201, summary="Log an activity on a case", tags=TAGS)
def add_activity(principal: CurrentPrincipal, caseId: CaseId, body: ActivityIn) -> Response[Ok[ActivityOut]]:
    activity = service.add_activity(principal, caseId, body)
    return ok(service.present_activity(activity), status=201)


@router.get("/cases/<caseId>/activities", summary="A case's activities, newest first", tags=TAGS)
def list_activities(
    principal: CurrentPrincipal,
    caseId: CaseId,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
) -> Ok[ActivityList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = service.list_activities(principal, caseId, request)
    return Ok(
        data=ActivityList(
            activities=[service.present_activity(a) for a in found.items], pagination=found.pagination
        )
    )


@router.get("/cases/<caseId>/team", summary="A case's team and whether it is walled", tags=TAGS)
def get_team(principal: CurrentPrincipal, caseId: CaseId) -> Response[Ok[TeamOut]]:
    item = service.get(principal, caseId)
    return ok(service.present_team(item), version=item.version)


@router.put(
    "/cases/<caseId>/team",
    summary="Staff a case; wall it (restricted) or take its wall down (walls:manage)",
    tags=TAGS,
)
def update_team(
    principal: CurrentPrincipal, caseId: CaseId, body: TeamUpdate, if_match: IfMatch
) -> Response[Ok[TeamOut]]:
    item = service.update_team(principal, caseId, body, if_match)
    return ok(service.present_team(item), version=item.version)


app = build_app("cases", [router])
handler = make_handler(app)
