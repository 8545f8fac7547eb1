"""Calendar periods in UTC: the day, the ISO week (from Monday), the month, the year.

Credits renew with the calendar month; usage and statistics are read for the period that
contains today, from its first day up to today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from docket import clock


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def today() -> date:
    return clock.now().date()


def first_day(period: Period, day: date) -> date:
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def key(period: Period, day: date) -> str:
    """`DAY#2026-11-22`, `WEEK#2026-W47`, `MONTH#2026-11`, `YEAR#2026`."""
    if period is Period.DAY:
        return f"DAY#{day.isoformat()}"
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"WEEK#{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"MONTH#{day:%Y-%m}"
    return f"YEAR#{day:%Y}"


def month(moment: datetime | date | None = None) -> str:
    """The credit period a moment falls in: `2026-11`."""
    return f"{(moment or clock.now()):%Y-%m}"


def month_start(credit_month: str) -> datetime:
    """The instant a credit period begins (its `lastReset`)."""
    return datetime.strptime(f"{credit_month}-01", "%Y-%m-%d").replace(tzinfo=UTC)


def next_month_start(credit_month: str) -> datetime:
    start = month_start(credit_month)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
