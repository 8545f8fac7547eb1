"""What each user spent, per day and per kind of research (seed 002's `GET /user/usage`).

One item per user and day (`pk = USER#<user>`, `sk = USAGE#<yyyy-mm-dd>`), advanced in the same
transaction as the debit that pays for the work, so usage and balance never disagree. A period's
usage is one Query over the user's days (`sk between`); days expire after `RETENTION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from docket import clock
from docket.credits import periods
from docket.credits.periods import Period
from docket.data.models import TableItem
from docket.data.transactions import Transaction

#: long enough for a year's usage (the longest period read), plus its first day
RETENTION = timedelta(days=370)


class UsageKind(StrEnum):
    """What a debit pays for; each kind counts its own tokens and its own calls."""

    SEARCH = "search"
    QA = "qa"
    CONSULTANT = "consultant"


class UsageDay(TableItem, discriminator="usage_day"):
    user_id = UnicodeAttribute()
    day = UnicodeAttribute()
    search_tokens = NumberAttribute(default=0)
    qa_tokens = NumberAttribute(default=0)
    consultant_tokens = NumberAttribute(default=0)
    searches = NumberAttribute(default=0)
    qa = NumberAttribute(default=0)
    conversations = NumberAttribute(default=0)


_TOKENS = {
    UsageKind.SEARCH: UsageDay.search_tokens,
    UsageKind.QA: UsageDay.qa_tokens,
    UsageKind.CONSULTANT: UsageDay.consultant_tokens,
}
#: what one counted call of each kind adds to: a search, a question, a conversation started
_CALLS = {
    UsageKind.SEARCH: UsageDay.searches,
    UsageKind.QA: UsageDay.qa,
    UsageKind.CONSULTANT: UsageDay.conversations,
}


def _key(user_id: str, day: date) -> tuple[str, str]:
    return f"USER#{user_id}", f"USAGE#{day.isoformat()}"


def record(tx: Transaction, user_id: str, day: date, kind: UsageKind, tokens: int, *, counted: bool) -> None:
    """Add a debit to the user's day, in the debit's transaction (the item is created if new)."""
    pk, sk = _key(user_id, day)
    actions: list[Any] = [
        UsageDay.type.set(UsageDay),  # the item may be new: give it its type
        UsageDay.user_id.set(user_id),
        UsageDay.day.set(day.isoformat()),
        UsageDay.ttl.set(clock.now() + RETENTION),
        _TOKENS[kind].add(tokens),
    ]
    if counted:
        actions.append(_CALLS[kind].add(1))
    tx.update(UsageDay(pk, sk), actions=actions)


@dataclass(frozen=True)
class DayUsage:
    date: str
    tokens: int
    searches: int
    qa: int
    conversations: int


@dataclass(frozen=True)
class PeriodUsage:
    period: Period
    search_tokens: int = 0
    qa_tokens: int = 0
    consultant_tokens: int = 0
    searches: int = 0
    qa: int = 0
    conversations: int = 0
    days: list[DayUsage] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return self.search_tokens + self.qa_tokens + self.consultant_tokens


def of_period(user_id: str, period: Period) -> PeriodUsage:
    """The user's usage from the first day of the period that contains today up to today (one
    Query); days without usage are not listed."""
    last = periods.today()
    first = periods.first_day(period, last)
    pk, first_sk = _key(user_id, first)
    found = [
        item
        for item in UsageDay.query(pk, UsageDay.sk.between(first_sk, _key(user_id, last)[1]))
        if isinstance(item, UsageDay)
    ]
    days = [
        DayUsage(
            date=item.day,
            tokens=int(item.search_tokens or 0) + int(item.qa_tokens or 0) + int(item.consultant_tokens or 0),
            searches=int(item.searches or 0),
            qa=int(item.qa or 0),
            conversations=int(item.conversations or 0),
        )
        for item in found
    ]
    return PeriodUsage(
        period=period,
        search_tokens=sum(int(item.search_tokens or 0) for item in found),
        qa_tokens=sum(int(item.qa_tokens or 0) for item in found),
        consultant_tokens=sum(int(item.consultant_tokens or 0) for item in found),
        searches=sum(day.searches for day in days),
        qa=sum(day.qa for day in days),
        conversations=sum(day.conversations for day in days),
        days=days,
    )
