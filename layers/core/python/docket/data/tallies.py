"""Counts an organization keeps as it goes: members by role and status, feedback by status, live API
keys… Never counted by scanning: every write that changes a count adjusts it in its own
transaction, and reading all of them is one `GetItem`.

One item per organization (`ORG#<org>` / `TALLY`) holds every count as a top-level number attribute
named `<what>.<dimension>.<value>` (`members.role.owner`, `feedback.status.new`), adjusted with
`ADD`, which creates the item and the attribute when they are missing: a count that was never
adjusted reads as zero. A transaction touches an item once, so a write adjusts all its counts in
one `adjust` call. Counts start when the code that keeps them does (data written before is not
counted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.operand import Path

from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction

SORT_KEY = "TALLY"


class Tally(TableItem, discriminator="tally"):
    org_id = UnicodeAttribute()


def name(what: str, dimension: str, value: str) -> str:
    """The count of `what` whose `dimension` is `value`: `name("members", "role", "owner")`."""
    return f"{what}.{dimension}.{value}"


def adjust(tx: Transaction, org_id: str, deltas: Mapping[str, int]) -> None:
    """Add `deltas` (count name → change) to the organization's counts, in `tx`."""
    changes = {count: delta for count, delta in deltas.items() if delta}
    if not changes:
        return
    actions: list[Any] = [Tally.type.set(Tally), Tally.org_id.set(org_id)]
    actions += [Path([count]).add(delta) for count, delta in sorted(changes.items())]
    tx.update(Tally(pk=org_key(org_id), sk=SORT_KEY), actions=actions)


def moved(what: str, dimension: str, before: str | None, after: str | None) -> dict[str, int]:
    """The deltas of one thing moving from `before` to `after` (None: it did not exist / no longer does)."""
    deltas: dict[str, int] = defaultdict(int)
    if before is not None:
        deltas[name(what, dimension, before)] -= 1
    if after is not None:
        deltas[name(what, dimension, after)] += 1
    return dict(deltas)


def read(org_id: str) -> dict[str, dict[str, dict[str, int]]]:
    """Every count of the organization: `{what: {dimension: {value: n}}}` (one `GetItem`)."""
    found = Tally._get_connection().get_item(org_key(org_id), range_key=SORT_KEY).get("Item") or {}
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for attribute, value in found.items():
        parts = attribute.split(".")
        if len(parts) != 3 or "N" not in value:
            continue
        what, dimension, key = parts
        counts.setdefault(what, {}).setdefault(dimension, {})[key] = int(value["N"])
    return counts


def total(
    org_id: str,
    what: str,
    filters: Mapping[str, Any],
    *,
    dimensions: tuple[str, ...] = ("status", "priority"),
) -> int:
    """How many `what` a list holds that is filtered by at most one of `dimensions` (the first one
    set), or by none (the sum over the first dimension): one `GetItem`."""
    counts = read(org_id).get(what, {})
    for dimension in dimensions:
        if filters.get(dimension):
            return counts.get(dimension, {}).get(str(filters[dimension]), 0)
    return sum(counts.get(dimensions[0], {}).values())
