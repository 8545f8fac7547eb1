"""Time in one place, so tests can reason about it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """RFC 3339 UTC with milliseconds and a `Z`, e.g. `2026-11-22T18:00:00.123Z`."""
    value = (moment or now()).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse(stamp: str | None) -> datetime | None:
    """An ISO 8601 stamp as an aware datetime (a naive one is taken as UTC); None if unreadable."""
    try:
        moment = datetime.fromisoformat(stamp or "")
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch() -> int:
    return int(time.time())


def monotonic() -> float:
    """Seconds on a clock that never goes back (cache ages, rate limits of reloads)."""
    return time.monotonic()
