"""Request and response models of the admin group (seed 002's shapes)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from docket.api.models import ApiModel, InputModel, Omittable, Pagination
from docket.credits.periods import Period
from docket.identity.models import EMAIL_PATTERN


class AdminLoginIn(InputModel):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254, examples=["admin@example.com"])
    password: str = Field(min_length=1, max_length=256)
    #: a TOTP or backup code, for an administrator with MFA
    mfa_code: Omittable[str] = Field(default=None, min_length=6, max_length=32)


class AdminSummary(ApiModel):
    id: str
    email: str
    name: str
    role: Literal["admin"] = "admin"


class AdminSession(ApiModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: AdminSummary


class AdminSignedOut(ApiModel):
    done: bool = True


class AssignableRole(StrEnum):
    """The plan roles an administrator gives through the API (`admin` comes from `make admin`)."""

    FREE = "free"
    PAY = "pay"
    VIP = "vip"


class RoleChangeIn(InputModel):
    role: AssignableRole = Field(examples=["pay"])
    #: why, for the admin log (required)
    reason: str = Field(min_length=1, max_length=500, examples=["User upgraded to paid plan"])


class PlatformUser(ApiModel):
    id: str
    email: str
    name: str
    role: str
    total_tokens_used: int
    last_active: str | None
    created_at: str


class PlatformUserList(ApiModel):
    users: list[PlatformUser]
    pagination: Pagination


class RoleChanged(ApiModel):
    id: str
    email: str
    role: str
    updated_at: str


class RoleChangedOut(ApiModel):
    user: RoleChanged


class DailyStats(ApiModel):
    date: str
    new_users: int
    active_users: int
    tokens_used: int
    searches: int
    qa: int
    conversations: int


class StatisticsBody(ApiModel):
    period: Period
    total_users: int
    active_users: int
    new_users: int
    total_tokens_used: int
    total_searches: int
    total_qa: int = Field(alias="totalQA")
    total_conversations: int
    users_by_role: dict[str, int]
    #: the days of the period (from its first day to today) with any activity, oldest first
    daily_stats: list[DailyStats]


class StatisticsOut(ApiModel):
    statistics: StatisticsBody


class LogPerson(ApiModel):
    id: str
    email: str | None
    name: str | None = None


class AdminLogOut(ApiModel):
    id: str
    admin_user: LogPerson
    action: str
    target_user: LogPerson | None
    details: dict[str, Any]
    created_at: str


class AdminLogList(ApiModel):
    logs: list[AdminLogOut]
    pagination: Pagination
