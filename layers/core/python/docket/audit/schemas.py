"""Request and response models of `/audit-logs…` and `/compliance…`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from docket.api.models import ApiModel, InputModel, Pagination
from docket.data.audit import ActorKind


class AuditLogOut(ApiModel):
    """One entry of the trail, as recorded and chained (its `hash` covers every other field)."""

    id: str = Field(examples=["aud_01JD4S3Q9W6Y2K8T0B5N7R1M3F"])
    sequence: int = Field(description="Position in the organization's chain (1, 2, 3, … without gaps)")
    action: str = Field(examples=["user.created"])
    actor_id: str = Field(description="Who acted: a user id, an API key id, or `system`")
    actor_kind: ActorKind
    resource_type: str = Field(examples=["user"])
    resource_id: str
    changes: dict[str, Any] | None = Field(
        description="What changed: `before` and `after` of the changed fields (or what the action records)"
    )
    ip: str | None
    user_agent: str | None
    request_id: str | None
    created_at: str
    previous_hash: str = Field(description="The hash of the previous entry (64 zeros for the first)")
    hash: str = Field(description="SHA-256 over the entry's canonical serialization (docs/architecture.md)")


class AuditLogList(ApiModel):
    audit_logs: list[AuditLogOut]
    pagination: Pagination


class ActionCount(ApiModel):
    action: str
    count: int


class ActorCount(ApiModel):
    user_id: str = Field(description="The actor: a user id, an API key id, or `system`")
    count: int


class DayCount(ApiModel):
    date: str = Field(examples=["2026-11-22"])
    count: int


class AuditStats(ApiModel):
    start_date: str
    end_date: str
    total: int
    by_action: list[ActionCount] = Field(description="Most frequent first")
    by_actor: list[ActorCount] = Field(description="Most active first")
    by_day: list[DayCount] = Field(description="Days with entries, oldest first")


class ViewableUser(ApiModel):
    id: str
    email: str
    first_name: str
    last_name: str
    name: str
    roles: list[str]
    status: str


class ViewableUsers(ApiModel):
    users: list[ViewableUser]
    pagination: Pagination


class ChainProblem(StrEnum):
    HASH_MISMATCH = "hash_mismatch"
    PREVIOUS_HASH_MISMATCH = "previous_hash_mismatch"
    SEQUENCE_GAP = "sequence_gap"
    OUT_OF_ORDER = "out_of_order"
    MISSING_TAIL = "missing_tail"
    HEAD_MISMATCH = "head_mismatch"


class BrokenLink(ApiModel):
    """The first place the chain does not hold."""

    sequence: int = Field(description="The sequence number where the chain breaks")
    entry_id: str | None = Field(description="The entry at that place (None when it is missing)")
    problem: ChainProblem
    message: str
    expected: str | None = None
    found: str | None = None


class ChainReport(ApiModel):
    valid: bool = Field(description="No broken link in what was checked")
    complete: bool = Field(description="The walk reached the chain's head (else continue with `nextCursor`)")
    checked: int = Field(description="Entries checked by this call")
    from_sequence: int
    through_sequence: int
    head_sequence: int
    head_hash: str
    broken_link: BrokenLink | None = None
    next_cursor: str | None = None


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ExportIn(InputModel):
    """Seed 004: `{"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-01-31T23:59:59Z", "format": "csv"}`."""

    start_date: str = Field(
        min_length=10,
        max_length=40,
        examples=["2024-01-01T00:00:00Z"],
        description="ISO 8601 date or date-time",
    )
    end_date: str = Field(
        min_length=10,
        max_length=40,
        examples=["2024-01-31T23:59:59Z"],
        description="ISO 8601 date (the whole day) or date-time, inclusive",
    )
    format: ExportFormat = ExportFormat.CSV


class AuditExportOut(ApiModel):
    id: str = Field(examples=["aex_01JD4S3Q9W6Y2K8T0B5N7R1M3F"])
    status: ExportStatus
    format: ExportFormat
    start_date: str
    end_date: str = Field(description="The range's end as exported: never after the request")
    requested_by: str
    requested_at: str
    completed_at: str | None
    entry_count: int | None
    size_bytes: int | None
    sha256: str | None = Field(description="SHA-256 of the exported file")
    filename: str | None
    download_url: str | None = Field(description="A presigned GET of the file, once completed")
    expires_in: int | None = Field(description="Seconds the download URL stays valid")
    version: int


class AuditExportList(ApiModel):
    exports: list[AuditExportOut]
    pagination: Pagination
