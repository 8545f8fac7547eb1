"""What every tenant resource does with its entity: read one, create it, change it, delete it.

A resource module declares its entity (a `TenantItem` with `primary_key` and `keys()`) and calls
these; each is one DynamoDB call (a read) or one `TransactWriteItems` (a write, with its audit entry
and whatever else the resource adds in `also`):

    client = entities.fetch(Client, principal.org_id, client_id, what="Client")   # GetItem, or 404
    concurrency.check(if_match, client.version)                                   # docket.api: 412
    changes = diff(client, body.model_dump(exclude_unset=True))                   # docket.data.changes
    entities.commit_changes(principal, client, changes, action="client.updated", if_match=if_match)

The key is built from the caller's organization, never from input, so another tenant's id is a
404 like a missing one; a soft-deleted entity is a 404 too. An update that changes nothing writes
nothing (the version, and so the ETag, stays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from pynamodb.expressions.condition import Condition

from docket.data.changes import Changes
from docket.data.models import TableItem, TenantItem
from docket.data.transactions import Transaction, transaction
from docket.errors import Conflict, DocketError, NotFound, PreconditionFailed
from docket.ids import is_id
from docket.security.principal import Principal

E = TypeVar("E", bound=TenantItem)
T = TypeVar("T", bound=TableItem)

#: More writes a resource makes in the entity's own transaction (counts, search entries, links).
Also = Callable[[Transaction], None]


def fetch(model: type[E], org_id: str, entity_id: str, *, what: str, consistent: bool = False) -> E:
    """The organization's live entity of that id, in one `GetItem`; anything else is a 404 (an id
    that is not of the entity's kind costs no call)."""
    missing = NotFound(f"{what} not found")
    if not is_id(entity_id, model.ID_PREFIX):
        raise missing
    partition, sort = model.primary_key(org_id, entity_id)
    try:
        item = model.get(partition, sort, consistent_read=consistent)
    except model.DoesNotExist:
        raise missing from None
    if not isinstance(item, model) or item.org_id != org_id or item.is_deleted:
        raise missing
    return item


def fetch_with_children(
    model: type[E], child: type[T], org_id: str, entity_id: str, *, what: str, children: int
) -> tuple[E, list[T]]:
    """The organization's live entity of that id and up to `children` of its partition's other items
    of kind `child`, last sort key first, in one `Query`. The entity's sort key must sort after its
    children's (a case's `META` after its `ACTIVITY#<createdAt>#…`): read backwards it comes first,
    then its newest children."""
    missing = NotFound(f"{what} not found")
    if not is_id(entity_id, model.ID_PREFIX):
        raise missing
    partition, sort = model.primary_key(org_id, entity_id)
    found = list(
        TableItem.query(
            partition,
            TableItem.sk <= sort,
            scan_index_forward=False,
            limit=children + 1,
            page_size=children + 1,
        )
    )
    head = found[0] if found else None
    if not isinstance(head, model) or head.sk != sort or head.org_id != org_id or head.is_deleted:
        raise missing
    return head, [item for item in found[1:] if isinstance(item, child)]


def fetch_many(model: type[E], org_id: str, entity_ids: Sequence[str]) -> list[E]:
    """The organization's live entities of those ids, in that order (missing ones left out): one
    `BatchGetItem` per 100 ids."""
    keys = [model.primary_key(org_id, entity_id) for entity_id in dict.fromkeys(entity_ids)]
    found: dict[str, E] = {}
    for item in model.batch_get(keys):
        if isinstance(item, model) and item.org_id == org_id and not item.is_deleted:
            found[item.id] = item
    return [found[entity_id] for entity_id in entity_ids if entity_id in found]


def create(principal: Principal, item: E, *, action: str, also: Also | None = None) -> E:
    """Put a new entity (its key must be free), audited as `action`, with `also` in the same transaction."""
    with transaction(principal) as tx:
        tx.save(item, condition=type(item).pk.does_not_exist())
        if also is not None:
            also(tx)
        tx.audit(action, item)
    return item


def commit_changes(
    principal: Principal,
    item: E,
    changes: Changes,
    *,
    action: str,
    if_match: str | None,
    also: Also | None = None,
) -> bool:
    """Apply `changes` to `item` and write it (on condition its version is still the one read),
    audited as `action` with the before and after, and `also` in the same transaction. Nothing is
    written when nothing changes (False). A lost race is a 409, or a 412 when the caller sent
    `If-Match` (the caller checks `If-Match` against the version it read before: docket.api.concurrency)."""
    if not changes:
        return False
    changes.apply(item)
    with _guarded(if_match), transaction(principal) as tx:
        tx.save(item)
        if also is not None:
            also(tx)
        tx.audit(action, item, changes.audit())
    return True


def remove(
    principal: Principal,
    item: E,
    *,
    action: str,
    if_match: str | None,
    soft: bool = True,
    also: Also | None = None,
    condition: Condition | None = None,
    refusal: DocketError | None = None,
) -> None:
    """Delete `item`: soft (kept with `deletedAt`, out of every list) or hard, audited as `action`,
    with `also` in the same transaction. `condition` (with the error it stands for, `refusal`)
    guards the delete itself: "no open cases" is a condition on the entity, so no racing write
    slips past it."""
    with _guarded(if_match), transaction(principal) as tx:
        # the version condition is PynamoDB's (VersionAttribute), added to `condition`
        if soft:
            item.soft_delete()
            tx.save(item, condition=condition, refusal=refusal)
        else:
            tx.delete(item, condition=condition, refusal=refusal)
        if also is not None:
            also(tx)
        tx.audit(action, item)


@contextmanager
def _guarded(if_match: str | None) -> Iterator[None]:
    """A lost race on a write the caller guarded with `If-Match` is a 412, not a 409 (a named
    refusal, a subclass of Conflict, stays what it is)."""
    try:
        yield
    except Conflict as exc:
        if type(exc) is Conflict and if_match is not None:
            raise PreconditionFailed() from None
        raise
