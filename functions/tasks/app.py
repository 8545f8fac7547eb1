"""Tasks group: tasks with their bulk operations, and credit disputes (seed 004)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.tasks import bulk, disputes, service
from docket.tasks.schemas import (
    MAX_BULK,
    BulkDeleteIn,
    BulkOutcome,
    Bureau,
    DisputeDetail,
    DisputeIn,
    DisputeList,
    DisputeOut,
    DisputeStatus,
    DisputeUpdate,
    TaskIn,
    TaskList,
    TaskOut,
    TaskPriority,
    TaskUpdate,
)

router = Router()
TAGS = ["tasks"]
DISPUTES = ["disputes"]
#: seed 004 gives no figures for tasks; its clients' (50 by default, at most 1000) apply
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

DisputeId = Annotated[str, Path(min_length=3, max_length=64, description="Dispute id (`dispute_…`)")]
TaskId = Annotated[str, Path(min_length=3, max_length=64, description="Task id (`task_…`)")]
TaskLimit = Annotated[
    int | None, Query(ge=1, le=MAX_LIMIT, description=f"Items per page ({DEFAULT_LIMIT} by default)")
]
Search = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Words or prefixes of the title")
]
StatusFilter = Annotated[
    Literal["todo", "in_progress", "completed", "cancelled", "pending"] | None,
    Query(description="Only tasks in this status (`pending`, as seed 004's example writes it, is `todo`)"),
]
Person = Annotated[
    str | None, Query(alias="assignedTo", min_length=1, max_length=64, description="Only tasks of this user")
]
ClientFilter = Annotated[
    str | None, Query(alias="clientId", min_length=1, max_length=64, description="Only tasks of this client")
]
CaseFilter = Annotated[
    str | None, Query(alias="caseId", min_length=1, max_length=64, description="Only tasks of this case")
]
SortBy = Annotated[
    Literal["createdAt", "created_at", "dueDate", "due_date"],
    Query(alias="sortBy", description="Sort field (`created_at`, `due_date` too); undated tasks sort last"),
]
SortOrder = Annotated[
    Literal["asc", "desc"], Query(alias="sortOrder", description="Newest (or latest due) first by default")
]
BulkUpdates = Annotated[
    list[dict[str, Any]],
    Body(
        max_length=MAX_BULK,
        description=(
            f"Up to {MAX_BULK} partial updates, each a task's `id` and the fields to change (as `PUT"
            " /tasks/{taskId}` takes them); each item is checked and written on its own"
        ),
        examples=[[{"id": "task-uuid-1", "status": "completed"}, {"id": "task-uuid-2", "priority": "high"}]],
    ),
]


@router.get("/tasks", summary="List or search tasks", tags=TAGS)
def list_tasks(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: TaskLimit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    search: Search = None,
    status: StatusFilter = None,
    priority: TaskPriority | None = None,
    assigned_to: Person = None,
    client_id: ClientFilter = None,
    case_id: CaseFilter = None,
    sort_by: SortBy = "createdAt",
    sort_order: SortOrder = "desc",
) -> Ok[TaskList]:
    request = page_request(
        limit=limit, cursor=cursor, page=page, offset=offset, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT
    )
    found = service.list_tasks(
        principal,
        request,
        search_term=search,
        status=status,
        priority=priority,
        assigned_to=assigned_to,
        client_id=client_id,
        case_id=case_id,
        sort_by=sort_by,
        descending=sort_order == "desc",
    )
    return Ok(data=TaskList(tasks=[service.present(t) for t in found.items], pagination=found.pagination))


@router.post("/tasks", status_code=201, summary="Create a task", tags=TAGS)
def create_task(principal: CurrentPrincipal, body: TaskIn) -> Response[Ok[TaskOut]]:
    item = service.create(principal, body)
    return ok(service.present(item), status=201, version=item.version, location=f"/tasks/{item.id}")


@router.post(
    "/tasks/bulk-update",
    summary=f"Update up to {MAX_BULK} tasks, each on its own (a result per item)",
    tags=TAGS,
)
def bulk_update(principal: CurrentPrincipal, body: BulkUpdates) -> Ok[BulkOutcome]:
    return Ok(data=bulk.bulk_update(principal, body))


@router.post(
    "/tasks/bulk-delete",
    summary=f"Delete up to {MAX_BULK} tasks, each on its own (a result per item)",
    tags=TAGS,
)
def bulk_delete(principal: CurrentPrincipal, body: BulkDeleteIn) -> Ok[BulkOutcome]:
    return Ok(data=bulk.bulk_delete(principal, body.task_ids))


@router.get("/tasks/<taskId>", summary="Get a task", tags=TAGS)
def get_task(principal: CurrentPrincipal, taskId: TaskId) -> Response[Ok[TaskOut]]:
    item = service.get(principal, taskId)
    return ok(service.present(item), version=item.version)


@router.put(
    "/tasks/<taskId>", summary="Update a task (status, priority, assignee, due date, links)", tags=TAGS
)
def update_task(
    principal: CurrentPrincipal, taskId: TaskId, body: TaskUpdate, if_match: IfMatch
) -> Response[Ok[TaskOut]]:
    item = service.update(principal, taskId, body, if_match)
    return ok(service.present(item), version=item.version)


@router.delete("/tasks/<taskId>", summary="Delete a task", tags=TAGS)
def delete_task(principal: CurrentPrincipal, taskId: TaskId, if_match: IfMatch) -> Response[Ok[TaskOut]]:
    item = service.delete(principal, taskId, if_match)
    return ok(service.present(item), message="Task deleted")


@router.get("/disputes", summary="List disputes (newest first)", tags=DISPUTES)
def list_disputes(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: TaskLimit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    client_id: ClientFilter = None,
    status: DisputeStatus | None = None,
    bureau: Bureau | None = None,
    sort_order: SortOrder = "desc",
) -> Ok[DisputeList]:
    request = page_request(
        limit=limit, cursor=cursor, page=page, offset=offset, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT
    )
    found = disputes.list_disputes(
        principal, request, client_id=client_id, status=status, bureau=bureau, descending=sort_order == "desc"
    )
    listed = [disputes.present(d) for d in found.items]
    return Ok(data=DisputeList(disputes=listed, pagination=found.pagination))


@router.post("/disputes", status_code=201, summary="Open a dispute for a client (a draft)", tags=DISPUTES)
def create_dispute(principal: CurrentPrincipal, body: DisputeIn) -> Response[Ok[DisputeOut]]:
    item = disputes.create(principal, body)
    return ok(disputes.present(item), status=201, version=item.version, location=f"/disputes/{item.id}")


@router.get("/disputes/<disputeId>", summary="Get a dispute with its status history", tags=DISPUTES)
def get_dispute(principal: CurrentPrincipal, disputeId: DisputeId) -> Response[Ok[DisputeDetail]]:
    item, history = disputes.get(principal, disputeId)
    return ok(disputes.present_detail(item, history), version=item.version)


@router.put(
    "/disputes/<disputeId>",
    summary="Change a dispute, or move its status one step (draft → sent → investigating → resolved)",
    tags=DISPUTES,
)
def update_dispute(
    principal: CurrentPrincipal, disputeId: DisputeId, body: DisputeUpdate, if_match: IfMatch
) -> Response[Ok[DisputeOut]]:
    item = disputes.update(principal, disputeId, body, if_match)
    return ok(disputes.present(item), version=item.version)


@router.delete("/disputes/<disputeId>", summary="Delete a draft dispute (409 once sent)", tags=DISPUTES)
def delete_dispute(
    principal: CurrentPrincipal, disputeId: DisputeId, if_match: IfMatch
) -> Response[Ok[DisputeOut]]:
    item = disputes.delete(principal, disputeId, if_match)
    return ok(disputes.present(item), message="Dispute deleted")


app = build_app("tasks", [router])
handler = make_handler(app)
