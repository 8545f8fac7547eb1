"""Compliance exports of the audit trail (seed 004's `POST /compliance/export-audit-data`).

A request is a job (`AuditExport`, audited like any write); the table's stream publishes
`audit_export.created`, the `audit-exports` queue hands it to its worker (`functions/auditexport`),
which writes the entries of the range to S3 (`org/<orgId>/exports/audit/<id>.csv|json`) and
completes the job; `GET /compliance/exports/{id}` shows its status and, once completed, a
presigned download URL. The requester's WebSocket connections are told when it changes.

An export holds what the trail held before it was requested: the range ends just before the
request at the latest (`endDate` is clipped to it), and no entry committed later can be timed
before that (entry times increase along the chain), so an export's content is fixed by its
request, however late the worker runs it.

The file's content is the entries exactly as `GET /compliance/audit-logs` shows them, oldest
first: JSON is an array of those objects (compact, UTF-8); CSV has one column per field in the
same order, `null` as an empty cell, objects (`changes`) as compact JSON. The worker streams the
trail page by page into a spooled temporary file (memory holds one page), then uploads it.

Access patterns (docs/access-patterns.md): job by id `ORG#<org>#AUDITEXPORT#<id>` / `META`; the
tenant's jobs on GSI1 `ORG#<org>#AUDITEXPORTS`, newest first.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import IO, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from docket import clock
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.audit import service
from docket.audit.schemas import AuditExportOut, AuditLogOut, ExportFormat, ExportIn, ExportStatus
from docket.aws import client
from docket.data import audit
from docket.data.audit import AuditEntry
from docket.data.models import TenantItem, item_key, org_key
from docket.data.transactions import transaction
from docket.errors import NotFound, ValidationFailed
from docket.events.catalog import DomainEvent
from docket.ids import new_id
from docket.observability import logger
from docket.security import permissions
from docket.security.principal import Principal
from docket.settings import get_settings

EXPORT = permissions.AUDIT_EXPORT
#: the longest range one export covers
MAX_DAYS = 366
#: how long a download URL works
DOWNLOAD_TTL_S = 900
#: what the worker keeps in memory before the file spills to disk
_SPOOL_BYTES = 8 * 1024 * 1024
_PAGE = 1_000
CSV_COLUMNS: tuple[str, ...] = tuple(field.alias or name for name, field in AuditLogOut.model_fields.items())
_MEDIA = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.JSON: "application/json"}


class AuditExport(TenantItem, discriminator="audit_export"):
    ID_PREFIX = "aex"

    status = UnicodeAttribute()
    format = UnicodeAttribute()
    start_at = UnicodeAttribute()
    end_at = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)
    entry_count = NumberAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": _key(self.org_id, self.id),
            "sk": "META",
            "gsi1pk": f"{org_key(self.org_id)}#AUDITEXPORTS",
            "gsi1sk": f"{self.created_at}#{self.id}",
        }


def _key(org_id: str, export_id: str) -> str:
    return f"{org_key(org_id)}#AUDITEXPORT#{export_id}"


def present(job: AuditExport, *, with_download: bool = True) -> AuditExportOut:
    """The job; once completed, with a fresh presigned download URL (a list leaves it out: every
    URL is signed anew, so a list would never read the same twice)."""
    url = None
    if with_download and job.status == ExportStatus.COMPLETED.value and job.s3_key:
        url = client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": get_settings().documents_bucket,
                "Key": job.s3_key,
                "ResponseContentDisposition": f'attachment; filename="{job.filename}"',
            },
            ExpiresIn=DOWNLOAD_TTL_S,
        )
    return AuditExportOut(
        id=job.id,
        status=ExportStatus(job.status),
        format=ExportFormat(job.format),
        start_date=job.start_at,
        end_date=job.end_at,
        requested_by=job.requested_by,
        requested_at=job.requested_at,
        completed_at=job.completed_at,
        entry_count=None if job.entry_count is None else int(job.entry_count),
        size_bytes=None if job.size_bytes is None else int(job.size_bytes),
        sha256=job.sha256,
        filename=job.filename,
        download_url=url,
        expires_in=DOWNLOAD_TTL_S if url else None,
        version=int(job.version or 0),
    )


# ---------------------------------------------------------------------------------------------
# the API


def request_export(principal: Principal, body: ExportIn) -> AuditExport:
    """A job for the range (at most `MAX_DAYS`, ending at the request at the latest)."""
    principal.require(EXPORT)
    moment = clock.now()
    now, cutoff = clock.iso(moment), clock.iso(moment - timedelta(milliseconds=1))
    start = service.instant(body.start_date, "startDate")
    end = service.instant(body.end_date, "endDate", end=True)
    if start > end:
        raise ValidationFailed(
            "start_date is after end_date",
            details=[{"field": "endDate", "message": "must not be before startDate"}],
        )
    if start > now:
        raise ValidationFailed(
            "start_date is in the future",
            details=[{"field": "startDate", "message": "must not be after now"}],
        )
    if (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days >= MAX_DAYS:
        raise ValidationFailed(
            "The range is too long for one export",
            details=[{"field": "endDate", "message": f"at most {MAX_DAYS} days after startDate"}],
        )
    job = AuditExport(
        id=new_id(AuditExport.ID_PREFIX),
        org_id=principal.org_id,
        status=ExportStatus.QUEUED.value,
        format=body.format.value,
        start_at=start,
        end_at=min(end, cutoff),
        requested_by=principal.user_id,
        requested_at=now,
    )
    with transaction(principal) as tx:
        tx.save(job, condition=AuditExport.pk.does_not_exist())
        tx.audit(
            "audit.export_requested",
            job,
            {"after": {"startDate": job.start_at, "endDate": job.end_at, "format": job.format}},
        )
    return job


def get_export(principal: Principal, export_id: str) -> AuditExport:
    principal.require(EXPORT)
    job = _find(principal.org_id, export_id)
    if job is None:
        raise NotFound("Audit export not found")
    return job


def _find(org_id: str, export_id: str) -> AuditExport | None:
    try:
        found = AuditExport.get(_key(org_id, export_id), "META", consistent_read=True)
    except AuditExport.DoesNotExist:
        return None
    return found if isinstance(found, AuditExport) else None


def list_exports(principal: Principal, page: PageRequest) -> Page[AuditExport]:
    principal.require(EXPORT)
    partition = f"{org_key(principal.org_id)}#AUDITEXPORTS"

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[AuditExport]:
        return AuditExport.gsi1.query(  # type: ignore[return-value]
            partition, scan_index_forward=False, limit=limit, last_evaluated_key=start
        )

    scope = Scope(tenant=principal.org_id, query={"route": "compliance/exports"})
    return paginate_query(query, page, scope, key_of=lambda job: item_key(job, AuditExport.gsi1))


# ---------------------------------------------------------------------------------------------
# the worker


def handle_event(event: DomainEvent) -> None:
    """The `audit-exports` queue's consumer: run the job the event names (once it is completed, a
    redelivery does nothing; a job that failed half-way runs again from the start)."""
    if event.name != "audit_export.created":
        return
    job = _find(event.org_id, event.entity_id)
    if job is None or job.status == ExportStatus.COMPLETED.value:
        return
    run(job)


def run(job: AuditExport) -> AuditExport:
    logger.info("audit export started", extra={"export_id": job.id, "tenant_id": job.org_id})
    if job.status != ExportStatus.RUNNING.value:
        job.status = ExportStatus.RUNNING.value
        with transaction(None, audit_context=audit.SYSTEM) as tx:
            tx.save(job)
    export_format = ExportFormat(job.format)
    key = f"org/{job.org_id}/exports/audit/{job.id}.{export_format.value}"
    filename = f"audit-{job.org_id}-{job.start_at[:10]}-{job.end_at[:10]}.{export_format.value}"
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        digest, count = _write(spool, export_format, _entries(job))
        size = spool.tell()
        spool.seek(0)
        client("s3").upload_fileobj(
            spool,
            get_settings().documents_bucket,
            key,
            ExtraArgs={"ContentType": _MEDIA[export_format], "ServerSideEncryption": "AES256"},
        )
    job.status = ExportStatus.COMPLETED.value
    job.completed_at = clock.iso()
    job.entry_count, job.size_bytes, job.sha256 = count, size, digest
    job.s3_key, job.filename = key, filename
    with transaction(None, audit_context=audit.SYSTEM) as tx:
        tx.save(job)
        tx.audit("audit.export_completed", job, {"entryCount": count, "sha256": digest, "sizeBytes": size})
    logger.info("audit export completed", extra={"export_id": job.id, "entries": count, "bytes": size})
    return job


def _entries(job: AuditExport) -> Iterator[dict[str, Any]]:
    """The range's entries, oldest first, as the API presents them (one page in memory)."""
    found = AuditEntry.gsi2.query(
        audit.trail_partition(job.org_id),
        AuditEntry.gsi2sk.between(job.start_at, f"{job.end_at}#~"),
        scan_index_forward=True,
        page_size=_PAGE,
    )
    for entry in found:
        if isinstance(entry, AuditEntry):
            yield service.present(entry).model_dump(mode="json", by_alias=True)


def _write(out: IO[bytes], export_format: ExportFormat, entries: Iterable[dict[str, Any]]) -> tuple[str, int]:
    digest = hashlib.sha256()
    count = 0

    def emit(text: str) -> None:
        data = text.encode("utf-8")
        digest.update(data)
        out.write(data)

    if export_format is ExportFormat.JSON:
        emit("[")
        for count, entry in enumerate(entries, start=1):
            emit(("," if count > 1 else "") + json.dumps(entry, separators=(",", ":"), ensure_ascii=False))
        emit("]")
    else:
        emit(csv_row(CSV_COLUMNS))
        for count, entry in enumerate(entries, start=1):  # noqa: B007 (the count is the result)
            emit(csv_row(_cell(entry.get(column)) for column in CSV_COLUMNS))
    return digest.hexdigest(), count


def csv_row(cells: Iterable[str]) -> str:
    line = io.StringIO()
    csv.writer(line).writerow(list(cells))
    return line.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)
