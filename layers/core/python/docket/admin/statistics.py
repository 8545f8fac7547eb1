"""The platform's statistics (seed 002's `GET /admin/statistics`), read from counters kept on write.

Nothing is counted at read time: the `platform` tally (docket.credits.metrics) holds, per day, the
new users, active users, tokens, searches, Q&A and conversations; per week, month and year the
users active in it; and the totals per plan role. A period is the calendar period that contains
today (day, ISO week from Monday, month, year), from its first day up to today: one Query per
tally shard for its days, one `BatchGetItem` for the totals and the period's active users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docket.credits import metrics, periods
from docket.credits.periods import Period
from docket.credits.plans import Plan
from docket.data import sharded
from docket.security import permissions
from docket.security.principal import Principal


@dataclass(frozen=True)
class Day:
    date: str
    new_users: int
    active_users: int
    tokens_used: int
    searches: int
    qa: int
    conversations: int


@dataclass(frozen=True)
class Statistics:
    period: Period
    total_users: int
    active_users: int
    new_users: int
    total_tokens_used: int
    total_searches: int
    total_qa: int
    total_conversations: int
    users_by_role: dict[str, int]
    days: list[Day] = field(default_factory=list)


def statistics(principal: Principal, period: Period) -> Statistics:
    principal.require(permissions.PLATFORM_STATISTICS)
    last = periods.today()
    first = periods.first_day(period, last)
    by_day = sharded.read_range(
        metrics.TALLY, periods.key(Period.DAY, first), periods.key(Period.DAY, last), shards=metrics.SHARDS
    )
    this_period = periods.key(period, last)
    totals = sharded.read(metrics.TALLY, [metrics.TOTAL, this_period], shards=metrics.SHARDS)
    days = [
        Day(
            date=key.removeprefix("DAY#"),
            new_users=counts[metrics.NEW_USERS],
            active_users=counts[metrics.ACTIVE_USERS],
            tokens_used=counts[metrics.TOKENS],
            searches=counts[metrics.SEARCHES],
            qa=counts[metrics.QA],
            conversations=counts[metrics.CONVERSATIONS],
        )
        for key, counts in by_day.items()
    ]
    total = totals[metrics.TOTAL]
    return Statistics(
        period=period,
        total_users=max(0, total[metrics.USERS]),
        active_users=max(0, totals[this_period][metrics.ACTIVE_USERS]),
        new_users=sum(day.new_users for day in days),
        total_tokens_used=sum(day.tokens_used for day in days),
        total_searches=sum(day.searches for day in days),
        total_qa=sum(day.qa for day in days),
        total_conversations=sum(day.conversations for day in days),
        users_by_role={plan.value: max(0, total[metrics.plan_field(plan.value)]) for plan in Plan},
        days=days,
    )
