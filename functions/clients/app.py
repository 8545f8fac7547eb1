"""Clients group: clients (seeds 000 and 004) and the firm's pipeline stages (seed 004's `stage_id`)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.api import request as request_state
from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.cases import params as case_params
from docket.cases import service as cases
from docket.cases.schemas import CaseList, CasePriority, CaseStatus
from docket.clients import service, stages
from docket.clients.schemas import (
    ClientIn,
    ClientList,
    ClientOut,
    ClientStatus,
    ClientType,
    ClientUpdate,
    StageIn,
    StageList,
    StageOrder,
    StageOut,
    StageUpdate,
)

router = Router()
TAGS = ["clients"]
PIPELINE = ["pipeline"]
#: seed 004 (`/api/v1/clients/`): 50 by default, at most 1000; seed 000 (`/v1/clients`): 20 by default
SEED_004_LIMIT = 50
SEED_000_LIMIT = 20
MAX_CLIENTS = 1000
#: seed 000's clients call `/v1`; seed 004's call `/api/v1` (and `/api`)
SEED_000_BASE = "/v1"

ClientId = Annotated[str, Path(min_length=3, max_length=64, description="Client id (`client_…`)")]
StageId = Annotated[str, Path(min_length=3, max_length=64, description="Pipeline stage id (`stage_…`)")]
ClientLimit = Annotated[
    int | None,
    Query(ge=1, le=MAX_CLIENTS, description="Items per page (20 on `/v1`, 50 on `/api/v1`; at most 1000)"),
]
Search = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Words or prefixes of the name or email")
]
StageFilter = Annotated[
    str | None, Query(alias="stageId", min_length=3, max_length=64, description="Only clients in this stage")
]
SortBy = Annotated[
    Literal["createdAt", "created_at", "name", "email"],
    Query(alias="sortBy", description="Sort field (`created_at` too)"),
]
SortOrder = Annotated[
    Literal["asc", "desc"], Query(alias="sortOrder", description="Newest (or Z) first by default")
]


def _default_limit() -> int:
    return SEED_000_LIMIT if request_state.current().base_path == SEED_000_BASE else SEED_004_LIMIT


@router.get("/clients", summary="List or search clients", tags=TAGS)
def list_clients(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: ClientLimit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    search: Search = None,
    status: ClientStatus | None = None,
    type: ClientType | None = None,
    stage_id: StageFilter = None,
    sort_by: SortBy = "createdAt",
    sort_order: SortOrder = "desc",
) -> Ok[ClientList]:
    request = page_request(
        limit=limit,
        cursor=cursor,
        page=page,
        offset=offset,
        default_limit=_default_limit(),
        max_limit=MAX_CLIENTS,
    )
    found = service.list_clients(
        principal,
        request,
        search_term=search,
        status=status,
        client_type=type,
        stage_id=stage_id,
        sort_by=sort_by,
        descending=sort_order == "desc",
    )
    return Ok(data=ClientList(clients=[service.present(c) for c in found.items], pagination=found.pagination))


@router.post("/clients", status_code=201, summary="Create a client", tags=TAGS)
def create_client(principal: CurrentPrincipal, body: ClientIn) -> Response[Ok[ClientOut]]:
    item = service.create(principal, body)
    return ok(service.present(item), status=201, version=item.version, location=f"/clients/{item.id}")


@router.get("/clients/<clientId>", summary="Get a client", tags=TAGS)
def get_client(principal: CurrentPrincipal, clientId: ClientId) -> Response[Ok[ClientOut]]:
    item = service.get(principal, clientId)
    return ok(service.present(item), version=item.version)


@router.put(
    "/clients/<clientId>", summary="Update a client (or move it to another pipeline stage)", tags=TAGS
)
def update_client(
    principal: CurrentPrincipal, clientId: ClientId, body: ClientUpdate, if_match: IfMatch
) -> Response[Ok[ClientOut]]:
    item = service.update(principal, clientId, body, if_match)
    return ok(service.present(item), version=item.version)


@router.delete("/clients/<clientId>", summary="Delete a client (409 while it has open cases)", tags=TAGS)
def delete_client(
    principal: CurrentPrincipal, clientId: ClientId, if_match: IfMatch
) -> Response[Ok[ClientOut]]:
    item = service.delete(principal, clientId, if_match)
    return ok(service.present(item), message="Client deleted")


@router.get("/clients/<clientId>/cases", summary="A client's cases (the case list's filters)", tags=TAGS)
def list_client_cases(
    principal: CurrentPrincipal,
    clientId: ClientId,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    search: case_params.Search = None,
    status: CaseStatus | None = None,
    priority: CasePriority | None = None,
    assigned_to: case_params.AssigneeFilter = None,
    date_from: case_params.DateFrom = None,
    date_to: case_params.DateTo = None,
    sort_by: case_params.SortBy = "createdAt",
    sort_order: case_params.SortOrder = "desc",
) -> Ok[CaseList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = cases.client_cases(
        principal,
        clientId,
        request,
        search_term=search,
        status=status,
        priority=priority,
        assigned_to=assigned_to,
        date_from=date_from,
        date_to=date_to,
        sort_by=sort_by,
        descending=sort_order == "desc",
    )
    return Ok(data=CaseList(cases=[cases.present(c) for c in found.items], pagination=found.pagination))


@router.get("/pipeline/stages", summary="The firm's pipeline stages, in order", tags=PIPELINE)
def list_stages(principal: CurrentPrincipal) -> Ok[StageList]:
    return Ok(data=StageList(stages=stages.list_stages(principal)))


@router.post("/pipeline/stages", status_code=201, summary="Add a pipeline stage", tags=PIPELINE)
def create_stage(principal: CurrentPrincipal, body: StageIn) -> Response[Ok[StageOut]]:
    item = stages.create(principal, body)
    return ok(stages.present(item), status=201, version=item.version, location=f"/pipeline/stages/{item.id}")


@router.post("/pipeline/stages/reorder", summary="Put the pipeline stages in a new order", tags=PIPELINE)
def reorder_stages(principal: CurrentPrincipal, body: StageOrder) -> Ok[StageList]:
    stages.reorder(principal, body)
    return Ok(data=StageList(stages=stages.list_stages(principal)))


@router.get("/pipeline/stages/<stageId>", summary="Get a pipeline stage", tags=PIPELINE)
def get_stage(principal: CurrentPrincipal, stageId: StageId) -> Response[Ok[StageOut]]:
    item = stages.get(principal, stageId)
    return ok(stages.present(item, stages.client_count(item.org_id, item.id)), version=item.version)


@router.put("/pipeline/stages/<stageId>", summary="Rename (or recolour) a pipeline stage", tags=PIPELINE)
def update_stage(
    principal: CurrentPrincipal, stageId: StageId, body: StageUpdate, if_match: IfMatch
) -> Response[Ok[StageOut]]:
    item = stages.update(principal, stageId, body, if_match)
    return ok(stages.present(item, stages.client_count(item.org_id, item.id)), version=item.version)


@router.delete(
    "/pipeline/stages/<stageId>", summary="Delete an empty pipeline stage (409 otherwise)", tags=PIPELINE
)
def delete_stage(principal: CurrentPrincipal, stageId: StageId, if_match: IfMatch) -> Response[Ok[StageOut]]:
    item = stages.delete(principal, stageId, if_match)
    return ok(stages.present(item), message="Pipeline stage deleted")


app = build_app("clients", [router])
handler = make_handler(app)
