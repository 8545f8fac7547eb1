"""Typed, time-ordered identifiers: `<prefix>_<ULID>` (e.g. `case_01JD…`)."""

from __future__ import annotations

import re

from ulid import ULID

_ID = re.compile(r"^(?P<prefix>[a-z][a-z0-9]{1,15})_(?P<ulid>[0-9A-HJKMNP-TV-Z]{26})$")


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def is_id(value: str, prefix: str) -> bool:
    found = _ID.match(value)
    return bool(found and found.group("prefix") == prefix)
