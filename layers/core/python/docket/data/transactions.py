"""Writes that belong together, as one `TransactWriteItems`: entities, their audit entries, counters.

with transaction(principal) as tx:
    tx.save(case)                       # stamped: timestamps, keys, version condition
    tx.audit("case.created", case)      # joins the same transaction

Every write passes the tenant-key guard (`models.guard_tenant_keys`) before it joins: its keys are
the acting principal's organization's, exactly, or the whole transaction is refused unwritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from docket.api import request as request_state
from docket.data import audit
from docket.data.errors import translate_write_errors
from docket.data.models import TableItem, TenantItem, guard_tenant_keys
from docket.security.principal import Principal

_connection: Connection | None = None


class Audited(Protocol):
    """What an audit entry names: a tenant entity, or an `AuditTarget` for an item that is not one
    (a user, an organization)."""

    @property
    def org_id(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def type(self) -> Any: ...


@dataclass(frozen=True)
class AuditTarget:
    """An audited item outside the tenant entities: `org_id` is the organization whose trail records it."""

    org_id: str
    type: str
    id: str


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
        self.size += 1

    def update(self, item: TableItem, actions: list[Any], condition: Condition | None = None) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.update(item, actions=actions, condition=condition)
        self.size += 1

    def delete(self, item: TableItem, condition: Condition | None = None) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.delete(item, condition=condition)
        self.size += 1

    def check(self, item: TableItem, condition: Condition) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.condition_check(type(item), item.pk, item.sk, condition=condition)
        self.size += 1

    def audit(self, action: str, entity: Audited, changes: dict[str, Any] | None = None) -> None:
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
        self.size += 1


@contextmanager
def transaction(
    principal: Principal | None = None, *, conflict_message: str | None = None
) -> Iterator[Transaction]:
    """Collect writes; commit them atomically on exit. A failed condition is a 409."""
    with translate_write_errors(conflict_message), TransactWrite(connection=_shared_connection()) as write:
        yield Transaction(write, principal)
