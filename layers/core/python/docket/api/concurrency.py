"""Optimistic concurrency over HTTP: `ETag` carries an item's version, `If-Match` guards writes."""

from __future__ import annotations

from docket.errors import PreconditionFailed


def etag(version: int | None) -> str:
    return f'"v{version or 0}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header demands (None when absent or `*`)."""
    if not if_match or if_match.strip() == "*":
        return None
    tag = if_match.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.startswith("v") or not tag[1:].isdigit():
        raise PreconditionFailed("If-Match does not name a version of this resource")
    return int(tag[1:])


def check(if_match: str | None, current_version: int | None) -> None:
    wanted = expected_version(if_match)
    if wanted is not None and wanted != (current_version or 0):
        raise PreconditionFailed()
