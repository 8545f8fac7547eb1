"""Writes that belong together, as one `TransactWriteItems`: entities, their audit entries, counters.

with transaction(principal) as tx:
    tx.save(case)                       # stamped: timestamps, keys, version condition
    tx.audit("case.created", case)      # joins the same transaction

Every write passes the tenant-key guard (`models.guard_tenant_keys`) before it joins: its keys are
the acting principal's organization's, exactly, or the whole transaction is refused unwritten.

A failed condition is a 409, unless the write that failed it says what it means instead
(`refusal=`: a debit whose balance fell short is a 402 `INSUFFICIENT_TOKENS`). `tx.after_commit(fn)`
runs `fn` once the transaction has committed (never when it failed): counters shared by every
user are advanced there, outside the transaction, so that concurrent users' transactions do not
conflict on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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

#: The order PynamoDB sends a transaction's actions in (its `transact_write_items`), which is the
#: order of the cancellation reasons DynamoDB answers with.
_ACTION_ORDER = ("check", "delete", "put", "update")

_connection: Connection | None = None


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
        self._counts = dict.fromkeys(_ACTION_ORDER, 0)
        self._refusals: dict[tuple[str, int], DocketError] = {}
        self._after_commit: list[Callable[[], None]] = []

    def _added(self, kind: str, refusal: DocketError | None = None) -> None:
        if refusal is not None:
            self._refusals[(kind, self._counts[kind])] = refusal
        self._counts[kind] += 1
        self.size += 1

    def refusal_for(self, error: TransactWriteError) -> DocketError | None:
        """What the first failed condition means, when its write declared a `refusal`."""
        offsets, start = {}, 0
        for kind in _ACTION_ORDER:
            offsets[kind] = start
            start += self._counts[kind]
        declared = {offsets[kind] + position: meant for (kind, position), meant in self._refusals.items()}
        for index, reason in enumerate(error.cancellation_reasons or ()):
            if reason is not None and reason.code == "ConditionalCheckFailed" and index in declared:
                return declared[index]
        return None

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this transaction has committed (not when it fails)."""
        self._after_commit.append(action)

    def committed(self) -> None:
        for action in self._after_commit:
            action()

    @property
    def actor(self) -> str | None:
        return self._principal.user_id if self._principal else None

    @property
    def tenant(self) -> str | None:
        """The organization every tenant key of this transaction must name (None: system writes)."""
        return (self._principal.org_id or None) if self._principal else None

    def save(self, item: TableItem, condition: Condition | None = None) -> None:
        if isinstance(item, TenantItem):
            item.stamp(self.actor)
        guard_tenant_keys(item, self.tenant)
        self._write.save(item, condition=condition)
        self._added("put")

    def update(
        self,
        item: TableItem,
        actions: list[Any],
        condition: Condition | None = None,
        *,
        refusal: DocketError | None = None,
    ) -> None:
        """`refusal`: the error a failed `condition` means (instead of the 409 of a lost race)."""
        guard_tenant_keys(item, self.tenant)
        self._write.update(item, actions=actions, condition=condition)
        self._added("update", refusal)

    def delete(self, item: TableItem, condition: Condition | None = None) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.delete(item, condition=condition)
        self._added("delete")

    def check(self, item: TableItem, condition: Condition) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.condition_check(type(item), item.pk, item.sk, condition=condition)
        self._added("check")

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
        self._added("put")


@contextmanager
def transaction(
    principal: Principal | None = None, *, conflict_message: str | None = None
) -> Iterator[Transaction]:
    """Collect writes; commit them atomically on exit. A failed condition is a 409 (or the
    `refusal` its write declared); the `after_commit` actions run once it committed."""
    collected: list[Transaction] = []

    def refusal(error: TransactWriteError) -> DocketError | None:
        return collected[0].refusal_for(error) if collected else None

    with (
        translate_write_errors(conflict_message, refusal=refusal),
        TransactWrite(connection=_shared_connection()) as write,
    ):
        collected.append(Transaction(write, principal))
        yield collected[0]
    collected[0].committed()
