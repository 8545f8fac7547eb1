"""The caller's own credits and usage (seed 002's `GET /user/credits`, `GET /user/usage`).

Both read the signed-in user's platform account, in whichever firm they act (credits belong to
the person, not to a firm); `credits:read` is every firm role's but the client's (the portal).
"""

from __future__ import annotations

from docket import clock
from docket.api.models import ApiModel
from docket.credits import accounts, periods, usage
from docket.credits.periods import Period
from docket.identity.accounts import find_user
from docket.security import permissions
from docket.security.principal import Principal


class Credits(ApiModel):
    total_tokens: int
    used_tokens: int
    remaining_tokens: int
    last_reset: str
    #: when the next month's allowance arrives
    next_reset: str
    #: the plan role the allowance comes from (`free`, `pay`, `vip`)
    plan: str


class CreditsOut(ApiModel):
    credits: Credits


class DailyUsage(ApiModel):
    date: str
    tokens: int
    searches: int
    qa: int
    conversations: int


class Usage(ApiModel):
    period: Period
    total_tokens_used: int
    search_tokens: int
    qa_tokens: int
    consultant_tokens: int
    search_count: int
    qa_count: int
    conversation_count: int
    #: the days of the period (from its first day to today) that had any usage, oldest first
    daily_breakdown: list[DailyUsage]


class UsageOut(ApiModel):
    usage: Usage


def _profile(principal: Principal) -> accounts.Profile:
    user = find_user(principal.user_id)
    if user is None:
        return accounts.Profile(user_id=principal.user_id, email=principal.email)
    return accounts.Profile(user_id=user.id, email=user.email, name=user.name, created_at=user.created_at)


def credits_of(principal: Principal) -> Credits:
    principal.require(permissions.CREDITS_READ)
    account = accounts.find(principal.user_id)
    account = accounts.ensure(_profile(principal)) if account is None else accounts.renewed(account)
    return Credits(
        total_tokens=int(account.allowance),
        used_tokens=int(account.used),
        remaining_tokens=max(0, int(account.remaining)),
        last_reset=account.last_reset,
        next_reset=clock.iso(periods.next_month_start(account.credit_month)),
        plan=account.plan,
    )


def usage_of(principal: Principal, period: Period) -> Usage:
    principal.require(permissions.CREDITS_READ)
    spent = usage.of_period(principal.user_id, period)
    return Usage(
        period=period,
        total_tokens_used=spent.total_tokens,
        search_tokens=spent.search_tokens,
        qa_tokens=spent.qa_tokens,
        consultant_tokens=spent.consultant_tokens,
        search_count=spent.searches,
        qa_count=spent.qa,
        conversation_count=spent.conversations,
        daily_breakdown=[DailyUsage(**vars(day)) for day in spent.days],
    )
