"""Request and response models of tasks and disputes (seed 004's fields, snake_case or camelCase in)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination

ID_PATTERN = r"^[a-z][a-z0-9]{1,15}_[0-9A-HJKMNP-TV-Z]{26}$"
#: a user id as the firm's members carry it (`usr_…`)
USER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_CLIENT_EXAMPLE = "client_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_CASE_EXAMPLE = "case_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_USER_EXAMPLE = "usr_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
#: seed 004: "at most 100 (or the seed's figure) per call"; the seed gives none
MAX_BULK = 100


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class TaskIn(InputModel):
    """Seed 004's "Create Task" body; `client_id` must name a client of the firm, `assigned_to` an
    active member of it."""

    title: str = Field(min_length=1, max_length=200, examples=["Review credit report"])
    description: Nullable[str] = Field(
        default=None, max_length=5000, examples=["Analyze credit report for disputable items"]
    )
    status: TaskStatus = TaskStatus.TODO
    priority: TaskPriority = TaskPriority.MEDIUM
    due_date: Nullable[dt.date] = Field(default=None, examples=["2024-01-20"])
    client_id: Nullable[str] = Field(
        default=None, pattern=ID_PATTERN, max_length=64, examples=[_CLIENT_EXAMPLE]
    )
    case_id: Nullable[str] = Field(default=None, pattern=ID_PATTERN, max_length=64, examples=[_CASE_EXAMPLE])
    assigned_to: Nullable[str] = Field(default=None, pattern=USER_PATTERN, examples=[_USER_EXAMPLE])


class TaskUpdate(InputModel):
    """The fields to change; those left out keep their value, `null` clears an optional one."""

    title: Omittable[str] = Field(default=None, min_length=1, max_length=200)
    description: Nullable[str] = Field(default=None, max_length=5000)
    status: Omittable[TaskStatus] = None
    priority: Omittable[TaskPriority] = None
    due_date: Nullable[dt.date] = Field(default=None, examples=["2024-01-20"])
    client_id: Nullable[str] = Field(
        default=None, pattern=ID_PATTERN, max_length=64, examples=[_CLIENT_EXAMPLE]
    )
    case_id: Nullable[str] = Field(default=None, pattern=ID_PATTERN, max_length=64, examples=[_CASE_EXAMPLE])
    assigned_to: Nullable[str] = Field(default=None, pattern=USER_PATTERN, examples=[_USER_EXAMPLE])


class TaskPatch(TaskUpdate):
    """One item of `POST /tasks/bulk-update`: the task's `id` and the fields to change."""

    id: str = Field(min_length=1, max_length=64, examples=["task_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"])


class BulkDeleteIn(InputModel):
    task_ids: list[str] = Field(
        min_length=1,
        max_length=MAX_BULK,
        examples=[["task_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"]],
        description=f"At most {MAX_BULK} ids",
    )


class TaskOut(ApiModel):
    id: str
    title: str
    description: str | None
    status: TaskStatus
    priority: TaskPriority
    due_date: str | None
    client_id: str | None
    case_id: str | None
    assigned_to: str | None
    completed_at: str | None
    #: seed 004's name for the firm (organization) the task belongs to
    tenant_id: str
    created_by: str | None
    created_at: str
    updated_at: str
    version: int


class TaskList(ApiModel):
    tasks: list[TaskOut]
    pagination: Pagination


class ItemError(ApiModel):
    code: str
    message: str
    details: object | None = None


class BulkResult(ApiModel):
    """What happened to one item of a bulk call, in the order sent."""

    id: str | None
    success: bool
    #: the HTTP status this item alone would have answered
    status: int
    task: TaskOut | None = None
    error: ItemError | None = None


class BulkOutcome(ApiModel):
    results: list[BulkResult]
    succeeded: int
    failed: int


# --- disputes ------------------------------------------------------------------------------------


class Bureau(StrEnum):
    EQUIFAX = "equifax"
    EXPERIAN = "experian"
    TRANSUNION = "transunion"


class DisputeStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"


class DisputeOutcome(StrEnum):
    DELETED = "deleted"
    UPDATED = "updated"
    VERIFIED = "verified"
    NO_CHANGE = "no_change"


class DisputeIn(InputModel):
    """Seed 004's "Create Dispute" body (`title`, `client_id`), and what a dispute is about. A new
    dispute is a draft."""

    title: str = Field(min_length=1, max_length=200, examples=["Dispute late payment - Capital One"])
    client_id: str = Field(pattern=ID_PATTERN, max_length=64, examples=[_CLIENT_EXAMPLE])
    bureau: Nullable[Bureau] = None
    account: Nullable[str] = Field(default=None, max_length=200, examples=["Capital One ****1234"])
    reason: Nullable[str] = Field(default=None, max_length=2000, examples=["Payment was made on time"])
    notes: Nullable[str] = Field(default=None, max_length=5000)


class DisputeUpdate(InputModel):
    """Details to change, and/or the next `status` (draft → sent → investigating → resolved;
    `outcome` is required to resolve and only then). Anything else is a 409."""

    title: Omittable[str] = Field(default=None, min_length=1, max_length=200)
    bureau: Nullable[Bureau] = None
    account: Nullable[str] = Field(default=None, max_length=200)
    reason: Nullable[str] = Field(default=None, max_length=2000)
    notes: Nullable[str] = Field(default=None, max_length=5000)
    status: Omittable[DisputeStatus] = None
    outcome: Omittable[DisputeOutcome] = None
    #: recorded with the status change in the dispute's history
    note: Omittable[str] = Field(default=None, max_length=2000)


class TransitionOut(ApiModel):
    id: str
    from_status: DisputeStatus
    to_status: DisputeStatus
    outcome: DisputeOutcome | None
    note: str | None
    changed_by: str | None
    changed_at: str


class DisputeOut(ApiModel):
    id: str
    title: str
    client_id: str
    bureau: Bureau | None
    account: str | None
    reason: str | None
    notes: str | None
    status: DisputeStatus
    outcome: DisputeOutcome | None
    sent_at: str | None
    #: 30 days after it was sent: when the bureau's investigation is due
    due_at: str | None
    resolved_at: str | None
    tenant_id: str
    created_at: str
    updated_at: str
    version: int


class DisputeDetail(DisputeOut):
    #: every status change, oldest first
    history: list[TransitionOut]


class DisputeList(ApiModel):
    disputes: list[DisputeOut]
    pagination: Pagination
