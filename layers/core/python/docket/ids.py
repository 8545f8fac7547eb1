"""Typed, time-ordered identifiers: `<prefix>_<ULID>` (e.g. `case_01JD…`)."""

from __future__ import annotations

import re
from datetime import datetime

from ulid import ULID

_ID = re.compile(r"^(?P<prefix>[a-z][a-z0-9]{1,15})_(?P<ulid>[0-9A-HJKMNP-TV-Z]{26})$")


def new_id(prefix: str, at: datetime | None = None) -> str:
    """A new id; with `at`, its ULID carries that moment (to the millisecond) instead of now."""
    return f"{prefix}_{ULID() if at is None else ULID.from_datetime(at)}"


def is_id(value: str, prefix: str) -> bool:
    found = _ID.match(value)
    return bool(found and found.group("prefix") == prefix)


def moment_of(value: str, prefix: str) -> datetime | None:
    """The moment an id of `prefix` was made for (its ULID's milliseconds), or None for anything
    that is not such an id."""
    found = _ID.match(value)
    if not found or found.group("prefix") != prefix:
        return None
    try:
        return ULID.from_str(found.group("ulid")).datetime
    except (ValueError, OverflowError):  # beyond 48 bits of time ("8…") or year 9999 ("7Z…")
        return None
