"""Audit group: the audit trail (seed 001's `/audit-logs…`) and compliance (seed 004's `/compliance…`)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.api.deps import CurrentPrincipal
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.audit import exports, service, verify
from docket.audit.schemas import (
    AuditExportList,
    AuditExportOut,
    AuditLogList,
    AuditLogOut,
    AuditStats,
    ChainReport,
    ExportIn,
    ViewableUsers,
)

router = Router()
TAGS = ["audit"]
COMPLIANCE = ["compliance"]
#: seed 004 lists 50 at a time by default
COMPLIANCE_LIMIT = 50

AuditLogId = Annotated[str, Path(min_length=3, max_length=64, description="Audit log id (`aud_…`)")]
ExportId = Annotated[str, Path(min_length=3, max_length=64, description="Audit export id (`aex_…`)")]
Action = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Only this action, e.g. `user.created`")
]
ActorId = Annotated[
    str | None,
    Query(
        alias="userId", min_length=1, max_length=64, description="Only this actor's entries (`user_id` too)"
    ),
]
ResourceType = Annotated[
    str | None,
    Query(
        alias="resourceType",
        min_length=1,
        max_length=64,
        description="Only entries about this kind of resource",
    ),
]
StartDate = Annotated[
    str | None,
    Query(alias="startDate", min_length=1, max_length=40, description="From this ISO 8601 date or date-time"),
]
EndDate = Annotated[
    str | None,
    Query(
        alias="endDate",
        min_length=1,
        max_length=40,
        description="Through this ISO 8601 date (the whole day) or date-time",
    ),
]
SortOrder = Annotated[Literal["asc", "desc"], Query(alias="sortOrder", description="Newest first by default")]


def _serve_audit_trail(path: str, *, name: str, summary: str, tags: list[str], default_limit: int) -> None:
    """One list of the audit trail, served at `path` (seed 001's and seed 004's share it, each with
    its default page size; the route name is bound into the signed cursor)."""
    route = path.strip("/")

    def list_entries(
        principal: CurrentPrincipal,
        page: PageNumber = None,
        limit: Limit = None,
        offset: Offset = None,
        cursor: Cursor = None,
        action: Action = None,
        actor_id: ActorId = None,
        resource_type: ResourceType = None,
        start_date: StartDate = None,
        end_date: EndDate = None,
        sort_order: SortOrder = "desc",
    ) -> Ok[AuditLogList]:
        request = page_request(
            limit=limit, cursor=cursor, page=page, offset=offset, default_limit=default_limit
        )
        filters = service.Filters.read(
            action=action,
            user_id=actor_id,
            resource_type=resource_type,
            start_date=start_date,
            end_date=end_date,
        )
        found = service.list_entries(
            principal, request, filters, newest_first=sort_order == "desc", route=route
        )
        return Ok(
            data=AuditLogList(
                audit_logs=[service.present(e) for e in found.items], pagination=found.pagination
            )
        )

    list_entries.__name__ = list_entries.__qualname__ = name  # the spec's operation id
    router.get(path, summary=summary, tags=tags)(list_entries)


_serve_audit_trail(
    "/audit-logs",
    name="list_audit_logs",
    summary="List the audit trail, newest first",
    tags=TAGS,
    default_limit=20,
)
_serve_audit_trail(
    "/compliance/audit-logs",
    name="compliance_audit_logs",
    summary="Audit trail for compliance (seed 004's filters)",
    tags=COMPLIANCE,
    default_limit=COMPLIANCE_LIMIT,
)


@router.get("/audit-logs/stats", summary="Counts by action, actor and day over a period", tags=TAGS)
def audit_log_stats(
    principal: CurrentPrincipal, start_date: StartDate = None, end_date: EndDate = None
) -> Ok[AuditStats]:
    return Ok(data=service.stats(principal, start_date=start_date, end_date=end_date))


@router.get(
    "/audit-logs/viewable-users", summary="The members whose entries you may see, with their names", tags=TAGS
)
def viewable_users(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
) -> Ok[ViewableUsers]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = service.viewable_users(principal, request)
    return Ok(data=ViewableUsers(users=found.items, pagination=found.pagination))


@router.get(
    "/audit-logs/verify",
    summary="Verify the audit chain; report the first broken link",
    description=(
        f"Checks up to {verify.API_BUDGET} entries per call, in chain order; when `complete` is false, "
        "call again with `cursor=nextCursor`."
    ),
    tags=TAGS,
)
def verify_chain(principal: CurrentPrincipal, cursor: Cursor = None) -> Ok[ChainReport]:
    return Ok(data=verify.verify(principal, cursor))


@router.get("/audit-logs/<auditLogId>", summary="Get one audit log entry", tags=TAGS)
def get_audit_log(principal: CurrentPrincipal, auditLogId: AuditLogId) -> Response[Ok[AuditLogOut]]:
    # an entry never changes: its version is 1 for good
    return ok(service.present(service.get_entry(principal, auditLogId)), version=1)


@router.post(
    "/compliance/export-audit-data",
    status_code=202,
    summary="Export the audit trail of a date range (CSV or JSON), prepared in the background",
    tags=COMPLIANCE,
)
def export_audit_data(principal: CurrentPrincipal, body: ExportIn) -> Response[Ok[AuditExportOut]]:
    job = exports.request_export(principal, body)
    return ok(
        exports.present(job),
        status=202,
        version=job.version,
        location=f"/compliance/exports/{job.id}",
        message="Export queued; its status and download link are at GET /compliance/exports/{id}",
    )


@router.get(
    "/compliance/exports",
    summary="Audit exports, newest first (each one's download link is at GET /compliance/exports/{id})",
    tags=COMPLIANCE,
)
def list_exports(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
) -> Ok[AuditExportList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = exports.list_exports(principal, request)
    return Ok(
        data=AuditExportList(
            exports=[exports.present(j, with_download=False) for j in found.items],
            pagination=found.pagination,
        )
    )


@router.get(
    "/compliance/exports/<exportId>",
    summary="An audit export's status and, once done, its download",
    tags=COMPLIANCE,
)
def get_export(principal: CurrentPrincipal, exportId: ExportId) -> Response[Ok[AuditExportOut]]:
    job = exports.get_export(principal, exportId)
    return ok(exports.present(job), version=job.version)


app = build_app("audit", [router])
handler = make_handler(app)
