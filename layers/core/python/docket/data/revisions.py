"""Versioned updates of items that are not tenant entities: a user's profile, an organization.

Tenant entities carry PynamoDB's `VersionAttribute` (`TenantItem`); a user and an organization are
also written by code that must not bump their version (a login records an MFA step, a password
changes), so theirs is a plain `version` number that only their own updates advance. `commit`
writes the changed attributes, `version + 1` and `updatedAt` in one transaction with the audit
entry, on condition the version is still the one read: a lost race is a 409, or a 412 when the
caller sent `If-Match`.

    concurrency.check(if_match, item.version)        # 412 before any work
    changes = diff_values(before, after)             # docket.data.changes
    if changes:
        revisions.commit(principal, item, writes, changes, action="user.updated", target=..., if_match=...)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from docket import clock
from docket.data.changes import Changes
from docket.data.models import TableItem
from docket.data.transactions import Audited, Transaction, transaction
from docket.errors import Conflict, PreconditionFailed
from docket.security.principal import Principal


def version_of(item: TableItem) -> int | None:
    """The item's version (None: never updated by its own updates)."""
    version = getattr(item, "version", None)
    return None if version is None else int(version)


def commit(
    principal: Principal,
    item: TableItem,
    writes: Mapping[str, Any],
    changes: Changes,
    *,
    action: str,
    target: Audited,
    if_match: str | None,
    also: Callable[[Transaction], None] | None = None,
) -> None:
    """Write `writes` (attribute → value; None removes it) to `item` with the next version, audit
    `changes` as `action`, and run `also` in the same transaction; `item` is updated in memory."""
    model: Any = type(item)  # a model with `version` and `updated_at` attributes
    current = version_of(item)
    version = model.version
    condition = version.does_not_exist() if current is None else version == current
    now = clock.iso()
    actions = [
        getattr(model, name).remove() if value is None else getattr(model, name).set(value)
        for name, value in writes.items()
    ]
    actions += [version.set(int(current or 0) + 1), model.updated_at.set(now)]
    try:
        with transaction(principal) as tx:
            tx.update(item, actions=actions, condition=condition)
            if also is not None:
                also(tx)
            tx.audit(action, target, changes.audit())
    except Conflict:
        if if_match is not None:
            raise PreconditionFailed() from None
        raise
    for name, value in writes.items():
        setattr(item, name, value)
    item.version = int(current or 0) + 1  # type: ignore[attr-defined]
    item.updated_at = now  # type: ignore[attr-defined]
