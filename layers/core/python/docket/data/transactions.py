"""Writes that belong together, as one `TransactWriteItems`: entities, their audit entries, counters.

with transaction(principal) as tx:
    tx.save(case)                       # stamped: timestamps, keys, version condition
    tx.audit("case.created", case)      # joins the same transaction

Every write passes the tenant-key guard (`models.guard_tenant_keys`) before it joins: its keys are
the acting principal's organization's, exactly, or the whole transaction is refused unwritten.

A failed condition is a 409; a write may name the error its own condition stands for
(`tx.update(owners, ..., condition=..., conflict=LastOwner())`), and when that condition is the one
that failed, that error is raised instead, so the caller learns which rule refused the write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from docket.api import request as request_state
from docket.data import audit
from docket.data.errors import translate_write_errors
from docket.data.models import TableItem, TenantItem, guard_tenant_keys
from docket.errors import DocketError
from docket.security.principal import Principal

_connection: Connection | None = None
#: the order PynamoDB sends a transaction's writes in
_KINDS = ("check", "delete", "put", "update")


def _shared_connection() -> Connection:
    global _connection
    if _connection is None:
        _connection = Connection()
    return _connection


def reset_connection() -> None:
    global _connection
    _connection = None


class Transaction:
    def __init__(self, write: TransactWrite, principal: Principal | None):
        self._write = write
        self._principal = principal
        self.size = 0
        #: (kind of write, its place among writes of that kind) → the error its condition stands for
        self._conflicts: dict[tuple[str, int], DocketError] = {}
        self._kinds: dict[str, int] = dict.fromkeys(_KINDS, 0)

    def _joined(self, kind: str, conflict: DocketError | None) -> None:
        if conflict is not None:
            self._conflicts[(kind, self._kinds[kind])] = conflict
        self._kinds[kind] += 1
        self.size += 1

    def conflict_of(self, failure: TransactWriteError) -> DocketError | None:
        """The error named for the first write whose condition failed, if one was named.

        PynamoDB sends a transaction's writes grouped by kind (condition checks, deletes, puts,
        updates), and DynamoDB answers one cancellation reason per write in that order."""
        starts, position = {}, 0
        for kind in _KINDS:
            starts[kind] = position
            position += self._kinds[kind]
        at = {starts[kind] + index: error for (kind, index), error in self._conflicts.items()}
        for position, reason in enumerate(failure.cancellation_reasons or ()):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return at.get(position)
        return None

    @property
    def actor(self) -> str | None:
        return self._principal.user_id if self._principal else None

    @property
    def tenant(self) -> str | None:
        """The organization every tenant key of this transaction must name (None: system writes)."""
        return (self._principal.org_id or None) if self._principal else None

    def save(
        self, item: TableItem, condition: Condition | None = None, *, conflict: DocketError | None = None
    ) -> None:
        if isinstance(item, TenantItem):
            item.stamp(self.actor)
        guard_tenant_keys(item, self.tenant)
        self._write.save(item, condition=condition)
        self._joined("put", conflict)

    def update(
        self,
        item: TableItem,
        actions: list[Any],
        condition: Condition | None = None,
        *,
        conflict: DocketError | None = None,
    ) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.update(item, actions=actions, condition=condition)
        self._joined("update", conflict)

    def delete(
        self, item: TableItem, condition: Condition | None = None, *, conflict: DocketError | None = None
    ) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.delete(item, condition=condition)
        self._joined("delete", conflict)

    def check(self, item: TableItem, condition: Condition, *, conflict: DocketError | None = None) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.condition_check(type(item), item.pk, item.sk, condition=condition)
        self._joined("check", conflict)

    def audit(self, action: str, entity: TenantItem, changes: dict[str, Any] | None = None) -> None:
        """Record who did what to which entity, in this same transaction."""
        entry = audit.entry(
            org_id=entity.org_id,
            actor_id=self.actor or "system",
            action=action,
            entity_type=str(entity.type),
            entity_id=entity.id,
            changes=changes or {},
            request_id=request_state.current().request_id,
        )
        guard_tenant_keys(entry, self.tenant)
        self._write.save(entry)
        self._joined("put", None)


@contextmanager
def transaction(
    principal: Principal | None = None, *, conflict_message: str | None = None
) -> Iterator[Transaction]:
    """Collect writes; commit them atomically on exit. A failed condition is a 409 (or the error
    the failed write named)."""
    collected: Transaction | None = None
    with translate_write_errors(conflict_message):
        try:
            with TransactWrite(connection=_shared_connection()) as write:
                collected = Transaction(write, principal)
                yield collected
        except TransactWriteError as exc:
            named = collected.conflict_of(exc) if collected is not None else None
            if named is not None:
                raise named from exc
            raise
