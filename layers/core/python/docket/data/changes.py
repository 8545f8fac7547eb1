"""What an update changes: the sent fields whose value differs from the stored one.

Every resource's update reads its item, diffs the request against it, and writes only when the
diff is not empty: `PUT {}`, or a PUT that sends the current values, keeps the version (and so
the ETag), writes no audit entry and answers the resource as it is.

    changes = diff(item, body.model_dump(exclude_unset=True))
    if changes:
        changes.apply(item)
        with transaction(principal) as tx:
            tx.save(item)
            tx.audit("case.updated", item, changes.audit())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class Changes:
    """Field → value before and after, for the fields that change (stored spellings: enum values)."""

    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.after)

    def __contains__(self, name: object) -> bool:
        return name in self.after

    def apply(self, item: object) -> None:
        for name, value in self.after.items():
            setattr(item, name, value)

    def audit(self) -> dict[str, Any]:
        """The audit entry's `changes`: `{"before": {...}, "after": {...}}`."""
        return {"before": dict(self.before), "after": dict(self.after)}


def stored_form(value: Any) -> Any:
    """How a request value is stored: enums by their value, everything else as it is."""
    return value.value if isinstance(value, Enum) else value


def _same(stored: Any, sent: Any) -> bool:
    # True == 1 in Python; a boolean and a number are never the same value here
    return bool(stored == sent) and isinstance(stored, bool) == isinstance(sent, bool)


def diff(item: object, sent: Mapping[str, Any]) -> Changes:
    """The changes `sent` (attribute name → requested value) makes to `item`; nothing is applied."""
    return diff_values({name: getattr(item, name, None) for name in sent}, sent)


def diff_values(current: Mapping[str, Any], sent: Mapping[str, Any]) -> Changes:
    """The changes `sent` makes to `current` (both name → value; names may be paths such as
    `address.city` for a resource kept in nested attributes); a name missing from `current` is None."""
    changes = Changes()
    for name, value in sent.items():
        wanted = stored_form(value)
        before = current.get(name)
        if not _same(before, wanted):
            changes.before[name] = before
            changes.after[name] = wanted
    return changes
