"""Request and response models of cases, their activities and teams (seed 000's fields)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination

_ID = r"^[a-z][a-z0-9]{1,15}_[0-9A-HJKMNP-TV-Z]{26}$"
#: a user id (`usr_…`), as the firm's members list gives it
_USER = r"^[A-Za-z0-9_\-]{3,64}$"
_CLIENT_EXAMPLE = "client_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_USER_EXAMPLE = "usr_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
MAX_HOURS = 100_000
MAX_MONEY = 1_000_000_000
MAX_TEAM = 25


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    CLOSED = "closed"


class CasePriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class ActivityType(StrEnum):
    NOTE = "note"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TIME = "time"


Tag = Annotated[str, Field(min_length=1, max_length=50)]


class CaseIn(InputModel):
    """Seed 000's `POST /cases`: a case opens for a client of the firm (status `open`)."""

    title: str = Field(min_length=1, max_length=300, examples=["Contract Dispute"])
    description: Omittable[str] = Field(default=None, max_length=10_000)
    client_id: str = Field(pattern=_ID, max_length=64, examples=[_CLIENT_EXAMPLE])
    #: a member of the firm
    assigned_to: Omittable[str] = Field(default=None, pattern=_USER, examples=[_USER_EXAMPLE])
    priority: CasePriority = CasePriority.MEDIUM
    estimated_hours: Omittable[float] = Field(default=None, ge=0, le=MAX_HOURS, examples=[40])
    billing_rate: Omittable[float] = Field(default=None, ge=0, le=MAX_MONEY, examples=[500])
    tags: Omittable[list[Tag]] = Field(default=None, max_length=20, examples=[["contract", "dispute"]])


class CaseUpdate(InputModel):
    """The fields to change (seed 000's `PUT /cases/{caseId}`); those left out keep their value."""

    title: Omittable[str] = Field(default=None, min_length=1, max_length=300)
    description: Nullable[str] = Field(default=None, max_length=10_000)
    status: Omittable[CaseStatus] = None
    priority: Omittable[CasePriority] = None
    assigned_to: Nullable[str] = Field(default=None, pattern=_USER, examples=[_USER_EXAMPLE])
    estimated_hours: Nullable[float] = Field(default=None, ge=0, le=MAX_HOURS)
    billing_rate: Nullable[float] = Field(default=None, ge=0, le=MAX_MONEY)
    total_billed: Omittable[float] = Field(default=None, ge=0, le=MAX_MONEY)
    tags: Nullable[list[Tag]] = Field(default=None, max_length=20)


class TeamUpdate(InputModel):
    """A case's team, and whether it is walled (`restricted`: only the team and the firm's owners
    see it). Walling and unwalling need `walls:manage` and are audited."""

    responsible_attorney: Nullable[str] = Field(default=None, pattern=_USER, examples=[_USER_EXAMPLE])
    members: Omittable[list[str]] = Field(default=None, max_length=MAX_TEAM, examples=[[_USER_EXAMPLE]])
    restricted: Omittable[bool] = None


class ActivityIn(InputModel):
    """Seed 000's `POST /cases/{caseId}/activities`; billable time adds to the case's actual hours."""

    type: ActivityType = Field(examples=["note"])
    description: str = Field(min_length=1, max_length=10_000, examples=["Case activity description"])
    #: hours
    time_spent: Omittable[float] = Field(default=None, gt=0, le=24 * 31, examples=[2.5])
    billable: bool = False


class ActivityOut(ApiModel):
    id: str
    case_id: str
    type: ActivityType
    description: str
    time_spent: int | float | None
    billable: bool
    created_by: str | None
    created_at: str


class TeamOut(ApiModel):
    case_id: str
    responsible_attorney: str | None
    members: list[str]
    assigned_to: str | None
    restricted: bool
    version: int


class CaseOut(ApiModel):
    id: str
    case_number: str
    title: str
    description: str | None
    status: CaseStatus
    priority: CasePriority
    client_id: str
    assigned_to: str | None
    estimated_hours: int | float | None
    actual_hours: int | float
    billing_rate: int | float | None
    total_billed: int | float
    tags: list[str]
    responsible_attorney: str | None
    team_members: list[str]
    restricted: bool
    created_at: str
    updated_at: str
    version: int


class CaseDetail(CaseOut):
    """`GET /cases/{caseId}`: the case with its most recent activities (documents: the documents issue)."""

    activities: list[ActivityOut]


class CaseList(ApiModel):
    cases: list[CaseOut]
    pagination: Pagination


class ActivityList(ApiModel):
    activities: list[ActivityOut]
    pagination: Pagination
