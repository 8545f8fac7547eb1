"""Writes that belong together, as one `TransactWriteItems`: entities, their audit entries, counters.

with transaction(principal) as tx:
    tx.save(case)                       # stamped: timestamps, keys, version condition
    tx.audit("case.created", case)      # joins the same transaction, chained (docket.data.audit)

Every write passes the tenant-key guard (`models.guard_tenant_keys`) before it joins: its keys are
the acting principal's organization's, exactly, or the whole transaction is refused unwritten.

Audit entries are sealed at commit: the organization's chain head is read, the entries are chained
onto it, and the head is written back on the condition that nobody moved it since. When another
writer did (or DynamoDB cancels the transaction for a concurrent one on the same item), the
transaction lost a race, not a condition of its own: it is committed again, the callers' writes
exactly as they were serialized (with their own version and existence conditions, which DynamoDB
evaluates afresh) and the entries sealed onto the new head. A caller's own failed condition is a
409 as before; only the chain's races are retried, up to `CHAIN_ATTEMPTS` times.

A write may name the error its own condition stands for (`refusal=`: removing the last owner is
`LastOwner`, a debit whose balance fell short a 402 `INSUFFICIENT_TOKENS`); when that condition is
the one that failed, that error is raised instead of the 409, so the caller learns which rule
refused the write. `tx.after_commit(fn)` runs `fn` once the transaction has committed (never when
it failed): counters shared by every user are advanced there, outside the transaction, so that
concurrent users' transactions do not conflict on them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from docket.data import audit
from docket.data.errors import translate_write_errors
from docket.data.models import ForeignTenantKey, TableItem, TenantItem, guard_tenant_keys, org_key, type_name
from docket.errors import DocketError
from docket.security.principal import Principal

#: commits of one transaction before a lost chain race is answered 429 (retry in a second)
CHAIN_ATTEMPTS = 8
_BACKOFF_S = 0.004

_connection: Connection | None = None
#: the order PynamoDB sends a transaction's writes in
_KINDS = ("check", "delete", "put", "update")


@dataclass(frozen=True)
class AuditTarget:
    """An audited item outside the tenant entities: `org_id` is the organization whose trail records it."""

    org_id: str
    type: str
    id: str


#: What an audit entry names: a tenant entity, or an item that is none (a user, an organization).
Audited = TenantItem | AuditTarget


def _shared_connection() -> Connection:
    global _connection
    if _connection is None:
        _connection = Connection()
    return _connection


def reset_connection() -> None:
    global _connection
    _connection = None


class _Write(TransactWrite):
    """pynamodb's TransactWrite, committed with the chain's items appended (again after a lost race)."""

    def commit_with(self, sealed: audit.Seal) -> None:
        self._connection.transact_write_items(
            condition_check_items=self._condition_check_items,
            delete_items=self._delete_items,
            put_items=[*self._put_items, *sealed.puts],
            update_items=[*self._update_items, *sealed.updates],
        )
        for model in self._models_for_version_attribute_update:
            model.update_local_version_attribute()

    def chain_positions(self, sealed: audit.Seal) -> set[int]:
        """Which operations of the committed request are the chain's (DynamoDB lists the reasons
        of a cancellation in request order: checks, deletes, puts, updates)."""
        puts = len(self._condition_check_items) + len(self._delete_items)
        ours_put = range(puts + len(self._put_items), puts + len(self._put_items) + len(sealed.puts))
        updates = puts + len(self._put_items) + len(sealed.puts)
        ours_update = range(
            updates + len(self._update_items), updates + len(self._update_items) + len(sealed.updates)
        )
        return {*ours_put, *ours_update}

    @property
    def empty(self) -> bool:
        return not (
            self._condition_check_items or self._delete_items or self._put_items or self._update_items
        )


def _lost_race(exc: TransactWriteError, chain: set[int]) -> bool:
    """Cancelled only because someone else got there first: the chain head moved, or DynamoDB
    refused a concurrent transaction on an item. Any other reason is the caller's."""
    if exc.cause_response_code != "TransactionCanceledException":
        return False
    reasons = [
        (i, r.code) for i, r in enumerate(exc.cancellation_reasons) if r is not None and r.code != "None"
    ]
    return bool(reasons) and all(
        code == "TransactionConflict" or (code == "ConditionalCheckFailed" and i in chain)
        for i, code in reasons
    )


class Transaction:
    def __init__(self, write: _Write, principal: Principal | None, context: audit.AuditContext):
        self._write = write
        self._principal = principal
        self._context = context
        self._pending: list[audit.PendingEntry] = []
        self.size = 0
        #: (kind of write, its place among writes of that kind) → the error its condition stands for
        self._refusals: dict[tuple[str, int], DocketError] = {}
        self._kinds: dict[str, int] = dict.fromkeys(_KINDS, 0)
        self._after_commit: list[Callable[[], None]] = []

    def _joined(self, kind: str, refusal: DocketError | None) -> None:
        if refusal is not None:
            self._refusals[(kind, self._kinds[kind])] = refusal
        self._kinds[kind] += 1
        self.size += 1

    def refusal_for(self, failure: TransactWriteError, *, chain_puts: int) -> DocketError | None:
        """The error named for the first write whose condition failed, if one was named.

        PynamoDB sends a transaction's writes grouped by kind (condition checks, deletes, puts,
        updates), the chain's puts after the caller's (`chain_puts` of them), and DynamoDB answers
        one cancellation reason per write in that order."""
        starts, position = {}, 0
        for kind in _KINDS:
            starts[kind] = position
            position += self._kinds[kind] + (chain_puts if kind == "put" else 0)
        at = {starts[kind] + index: error for (kind, index), error in self._refusals.items()}
        for position, reason in enumerate(failure.cancellation_reasons or ()):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return at.get(position)
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

    def save(
        self, item: TableItem, condition: Condition | None = None, *, refusal: DocketError | None = None
    ) -> None:
        if isinstance(item, TenantItem):
            item.stamp(self.actor)
        guard_tenant_keys(item, self.tenant)
        self._write.save(item, condition=condition)
        self._joined("put", refusal)

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
        self._joined("update", refusal)

    def delete(
        self, item: TableItem, condition: Condition | None = None, *, refusal: DocketError | None = None
    ) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.delete(item, condition=condition)
        self._joined("delete", refusal)

    def check(self, item: TableItem, condition: Condition, *, refusal: DocketError | None = None) -> None:
        guard_tenant_keys(item, self.tenant)
        self._write.condition_check(type(item), item.pk, item.sk, condition=condition)
        self._joined("check", refusal)

    def audit(
        self,
        action: str,
        entity: Audited | None = None,
        changes: dict[str, Any] | None = None,
        *,
        org_id: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        context: audit.AuditContext | None = None,
    ) -> audit.PendingEntry:
        """Record who did what to which resource, in this same transaction (chained at commit).

        The resource is `entity` (its organization, type and id; an `AuditTarget` names an item
        that is no tenant entity) unless named by `org_id`, `resource_type` and `resource_id`;
        `changes` is what changed (`docket.data.changes.Changes.audit()`: before and after); the
        actor and the request's origin come from the transaction's principal unless `context`
        says otherwise. The returned entry is sealed (`.entry`) once the transaction commits."""
        org = org_id or (entity.org_id if entity is not None else None)
        kind = resource_type or (
            None if entity is None else entity.type if isinstance(entity, AuditTarget) else type_name(entity)
        )
        target = resource_id or (entity.id if entity is not None else None)
        if not org or not kind or not target:
            raise TypeError("audit needs an entity, or org_id, resource_type and resource_id")
        if self.tenant and org != self.tenant:
            raise ForeignTenantKey(
                f"an audit entry must be written in {org_key(self.tenant)}",
                details=[{"field": "orgId", "message": "audit entry of another tenant"}],
            )
        pending = audit.PendingEntry(
            org_id=org,
            action=action,
            resource_type=kind,
            resource_id=target,
            changes=changes or None,
            context=context or self._context,
        )
        self._pending.append(pending)
        self.size += 1
        return pending

    def commit(self) -> None:
        if not self._pending:
            if not self._write.empty:
                try:
                    self._write.commit_with(audit.Seal())
                except TransactWriteError as exc:
                    named = self.refusal_for(exc, chain_puts=0)
                    if named is not None:
                        raise named from exc
                    raise
            return
        for attempt in range(CHAIN_ATTEMPTS):
            sealed = audit.seal(self._pending)
            for entry in sealed.entries:
                guard_tenant_keys(entry, self.tenant)
            try:
                self._write.commit_with(sealed)
            except TransactWriteError as exc:
                if not _lost_race(exc, self._write.chain_positions(sealed)):
                    named = self.refusal_for(exc, chain_puts=len(sealed.puts))
                    if named is not None:
                        raise named from exc
                    raise
                time.sleep(random.uniform(0, _BACKOFF_S * 2**attempt))  # noqa: S311 (jitter, not a secret)
                continue
            return
        raise audit.AuditTrailBusy()


@contextmanager
def transaction(
    principal: Principal | None = None,
    *,
    conflict_message: str | None = None,
    audit_context: audit.AuditContext | None = None,
) -> Iterator[Transaction]:
    """Collect writes; commit them atomically on exit. A failed condition is a 409 (or the
    `refusal` its write declared); the `after_commit` actions run once it committed.

    Audit entries name the principal (and its request's origin) as their actor and origin, or
    `audit_context` when given (a sign-in, a system job)."""
    with translate_write_errors(conflict_message):
        tx = Transaction(
            _Write(connection=_shared_connection()),
            principal,
            audit_context or audit.AuditContext.of(principal),
        )
        yield tx
        tx.commit()
    tx.committed()
