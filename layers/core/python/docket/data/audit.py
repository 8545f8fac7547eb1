"""Audit entries: who did what to which resource, from where — complete, hash-chained, and written
in the same transaction as the change they record.

An entry records its actor (id and kind: a user, an API key, a platform administrator, the system),
the action (`feedback.updated`), the resource (type and id), the changed fields before and after,
and where the request came from (request id, IP, User-Agent). The actor and the origin come in an
explicit `AuditContext` that the api layer's principal carries (`AuditContext.of(principal)`) or
that a caller builds (a sign-in has no principal yet): the data layer reads no request state.

**The chain.** Each organization's entries form one hash chain. Entry n carries `sequence = n`,
`previous_hash` (entry n-1's hash; 64 zeros for the first) and `hash`: SHA-256 over a canonical
serialization of everything it records (`canonical`). The organization's chain head
(`pk = ORG#<org>`, `sk = AUDIT#HEAD`: the last sequence, hash and time) is read consistently just
before the commit (`seal`) and written in the same `TransactWriteItems` as the entries, on the
condition that its sequence is still the one read. Two writers that read the same head cannot both
commit: the loser's transaction is cancelled whole, and `transactions` retries it on a fresh head
(its other writes unchanged, with their own conditions), so the chain can neither fork nor skip a
number. Entry times strictly increase along the chain (at least the previous entry's + 1 ms), so
time order is chain order on every index.

Keys (docs/access-patterns.md, A1-A8):
- table: `ORG#<org>#AUDIT#<yyyy-mm-dd>` / `<at>#<id>` — an entry's id is a ULID made from its time,
  so its key follows from the id alone (`key_of`): `GET /audit-logs/{id}` is one GetItem;
- GSI2 `ORG#<org>#AUDIT`, GSI1 `…#AUDITBY#<actor>`, GSI3 `…#AUDITACTION#<action>`,
  GSI4 `…#AUDITTYPE#<resource type>`, each sorted by `<at>#<sequence>`: lists and date ranges are
  one Query, whatever the range;
- per day, counts by action and by actor (`ORG#<org>#AUDITSTATS` / `<day>`), added in the same
  transaction: statistics over a period are one Query of at most a year of small items.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from docket import clock
from docket.data.models import TableItem, org_key
from docket.data.schema import PRIMARY, TYPE_ATTRIBUTE
from docket.errors import RateLimited
from docket.ids import moment_of, new_id
from docket.security import permissions
from docket.security.principal import NO_ORIGIN, Origin, Principal
from docket.settings import get_settings

ID_PREFIX = "aud"
GENESIS_HASH = "0" * 64
#: the version of `canonical`'s layout, hashed with every entry (a new layout gets a new number)
CANONICAL_VERSION = 1
SYSTEM_ACTOR = "system"
_SEQUENCE_WIDTH = 12
_ONE_MS = timedelta(milliseconds=1)


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    PLATFORM_ADMIN = "platform_admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class AuditContext:
    """Who acts, and from where: everything an entry records that is not about the resource."""

    actor_id: str
    actor_kind: ActorKind
    origin: Origin = NO_ORIGIN

    @classmethod
    def of(cls, principal: Principal | None) -> AuditContext:
        """The context of a principal's writes (its request's origin included); None: the system."""
        if principal is None:
            return SYSTEM
        return cls(principal.user_id, actor_kind_of(principal), principal.origin)

    @classmethod
    def user(cls, user_id: str, origin: Origin = NO_ORIGIN) -> AuditContext:
        """A user acting before any principal exists (signing in, resetting a password)."""
        return cls(user_id, ActorKind.USER, origin)


SYSTEM = AuditContext(SYSTEM_ACTOR, ActorKind.SYSTEM)


def actor_kind_of(principal: Principal) -> ActorKind:
    if principal.auth_method == "api_key":
        return ActorKind.API_KEY
    held = (permissions.CATALOGUE.get(name) for name in principal.permissions)
    if any(p is not None and p.scope is permissions.Scope.PLATFORM for p in held):
        return ActorKind.PLATFORM_ADMIN
    return ActorKind.USER


class AuditTrailBusy(RateLimited):
    """So many writers raced for the organization's chain head that a write lost every retry."""

    def __init__(self) -> None:
        super().__init__(1)
        self.message = "Your organization's audit trail is busy; try again in a second"


# ---------------------------------------------------------------------------------------------
# items


class AuditEntry(TableItem, discriminator="audit"):
    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    sequence = NumberAttribute()
    actor_id = UnicodeAttribute()
    actor_kind = UnicodeAttribute()
    action = UnicodeAttribute()
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    changes = JSONAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    previous_hash = UnicodeAttribute()
    hash = UnicodeAttribute()


class AuditHead(TableItem, discriminator="audit_head"):
    """The end of an organization's chain: the one item every audited write of the firm conditions on."""

    org_id = UnicodeAttribute()
    sequence = NumberAttribute()
    hash = UnicodeAttribute()
    last_id = UnicodeAttribute()
    last_at = UnicodeAttribute()


def audit_partition(org_id: str, day: str) -> str:
    return f"{org_key(org_id)}#AUDIT#{day}"


def trail_partition(org_id: str) -> str:
    """GSI2: every entry of the organization, in chain order."""
    return f"{org_key(org_id)}#AUDIT"


def actor_partition(org_id: str, actor_id: str) -> str:
    return f"{org_key(org_id)}#AUDITBY#{actor_id}"


def action_partition(org_id: str, action: str) -> str:
    return f"{org_key(org_id)}#AUDITACTION#{action}"


def resource_type_partition(org_id: str, resource_type: str) -> str:
    return f"{org_key(org_id)}#AUDITTYPE#{resource_type}"


def stats_partition(org_id: str) -> str:
    return f"{org_key(org_id)}#AUDITSTATS"


def head_key(org_id: str) -> tuple[str, str]:
    return org_key(org_id), "AUDIT#HEAD"


def order_key(at: str, sequence: int) -> str:
    """The sort key of every audit index: time, then sequence (the two orders agree)."""
    return f"{at}#{sequence:0{_SEQUENCE_WIDTH}d}"


def key_of(org_id: str, entry_id: str) -> tuple[str, str] | None:
    """The table key of an entry from its id alone (its ULID is its time), or None if it is no
    audit entry id."""
    moment = moment_of(entry_id, ID_PREFIX)
    if moment is None:
        return None
    at = clock.iso(moment)
    return audit_partition(org_id, at[:10]), f"{at}#{entry_id}"


def find(org_id: str, entry_id: str) -> AuditEntry | None:
    """One GetItem; None for an unknown id (or anything that is not an audit entry id)."""
    key = key_of(org_id, entry_id)
    if key is None:
        return None
    try:
        found = AuditEntry.get(*key)
    except AuditEntry.DoesNotExist:
        return None
    return found if isinstance(found, AuditEntry) and found.org_id == org_id else None


def read_head(org_id: str) -> AuditHead | None:
    try:
        return AuditHead.get(*head_key(org_id), consistent_read=True)
    except AuditHead.DoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# what an entry's hash covers


def normalized(changes: Any) -> Any:
    """`changes` exactly as it will read back from the table (JSON), so the hash of what is written
    equals the hash of what is read."""
    if changes is None:
        return None
    return json.loads(json.dumps(changes, default=str))


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every recorded field and the previous hash, as JSON with
    sorted keys, no whitespace and ASCII escapes (one spelling for one content)."""
    body = {
        "v": CANONICAL_VERSION,
        "orgId": entry.org_id,
        "sequence": int(entry.sequence),
        "id": entry.id,
        "createdAt": entry.created_at,
        "actorId": entry.actor_id,
        "actorKind": entry.actor_kind,
        "action": entry.action,
        "resourceType": entry.entity_type,
        "resourceId": entry.entity_id,
        "changes": entry.changes,
        "ip": entry.ip,
        "userAgent": entry.user_agent,
        "requestId": entry.request_id,
        "previousHash": entry.previous_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def hash_of(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


# ---------------------------------------------------------------------------------------------
# sealing: pending entries become chained items of the transaction


@dataclass
class PendingEntry:
    """What `Transaction.audit` records; sealed into an `AuditEntry` at commit (`entry`)."""

    org_id: str
    action: str
    resource_type: str
    resource_id: str
    changes: Any
    context: AuditContext
    entry: AuditEntry | None = None


@dataclass
class Seal:
    """The chain's share of one transaction: entry and head puts, per-day count updates (raw
    TransactWriteItems operations), and the entries as sealed."""

    puts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    entries: list[AuditEntry] = field(default_factory=list)


def _instant(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def build_entry(pending: PendingEntry, *, sequence: int, at: datetime, previous_hash: str) -> AuditEntry:
    stamp = clock.iso(at)
    entry_id = new_id(ID_PREFIX, at)
    org, origin = pending.org_id, pending.context.origin
    order = order_key(stamp, sequence)
    entry = AuditEntry(
        pk=audit_partition(org, stamp[:10]),
        sk=f"{stamp}#{entry_id}",
        gsi1pk=actor_partition(org, pending.context.actor_id),
        gsi1sk=order,
        gsi2pk=trail_partition(org),
        gsi2sk=order,
        gsi3pk=action_partition(org, pending.action),
        gsi3sk=order,
        gsi4pk=resource_type_partition(org, pending.resource_type),
        gsi4sk=order,
        id=entry_id,
        org_id=org,
        sequence=sequence,
        actor_id=pending.context.actor_id,
        actor_kind=pending.context.actor_kind.value,
        action=pending.action,
        entity_type=pending.resource_type,
        entity_id=pending.resource_id,
        changes=normalized(pending.changes),
        ip=origin.ip or None,
        user_agent=origin.user_agent or None,
        request_id=origin.request_id or None,
        created_at=stamp,
        previous_hash=previous_hash,
        hash="",
    )
    entry.hash = hash_of(entry)
    return entry


def seal(pending: Sequence[PendingEntry]) -> Seal:
    """Chain `pending` onto each organization's head as it is now (one consistent GetItem per
    organization): the entries, the new heads (conditioned on the heads read) and the day counts."""
    sealed = Seal()
    for org_id in dict.fromkeys(p.org_id for p in pending):
        head = read_head(org_id)
        sequence = int(head.sequence) if head else 0
        previous = head.hash if head else GENESIS_HASH
        last = clock.parse(head.last_at) if head else None
        ours = []
        for item in (p for p in pending if p.org_id == org_id):
            now = _instant(clock.now())
            at = now if last is None or now > last else last + _ONE_MS
            sequence += 1
            item.entry = build_entry(item, sequence=sequence, at=at, previous_hash=previous)
            previous, last = item.entry.hash, at
            ours.append(item.entry)
        sealed.entries += ours
        sealed.puts += [
            e.get_save_kwargs_from_instance(condition=AuditEntry.pk.does_not_exist()) for e in ours
        ]
        sealed.puts.append(_head_put(org_id, head, ours[-1]))
        sealed.updates += _day_counts(org_id, ours)
    return sealed


def _head_put(org_id: str, read: AuditHead | None, last: AuditEntry) -> dict[str, Any]:
    pk, sk = head_key(org_id)
    head = AuditHead(
        pk=pk,
        sk=sk,
        org_id=org_id,
        sequence=int(last.sequence),
        hash=last.hash,
        last_id=last.id,
        last_at=last.created_at,
    )
    condition = AuditHead.pk.does_not_exist() if read is None else AuditHead.sequence == int(read.sequence)
    kwargs: dict[str, Any] = head.get_save_kwargs_from_instance(condition=condition)
    return kwargs


#: day-count attribute names: `a:<action>` and `u:<actor>` beside the total `n`
ACTION_COUNT = "a:"
ACTOR_COUNT = "u:"
TOTAL_COUNT = "n"


def _day_counts(org_id: str, entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """One `ADD` per day touched: the total, and the counts by action and by actor."""
    by_day: dict[str, dict[str, int]] = {}
    for entry in entries:
        counts = by_day.setdefault(entry.created_at[:10], {})
        for name in (TOTAL_COUNT, ACTION_COUNT + entry.action, ACTOR_COUNT + entry.actor_id):
            counts[name] = counts.get(name, 0) + 1
    updates = []
    for day, counts in by_day.items():
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":c{i}": {"N": str(counts[name])} for i, name in enumerate(counts)}
        names |= {"#type": TYPE_ATTRIBUTE, "#org": "org_id", "#day": "day"}
        values |= {":type": {"S": "audit_day"}, ":org": {"S": org_id}, ":day": {"S": day}}
        updates.append(
            {
                "TableName": get_settings().table_name,
                "Key": {PRIMARY.partition: {"S": stats_partition(org_id)}, PRIMARY.sort: {"S": day}},
                "UpdateExpression": "SET #type = :type, #org = :org, #day = :day ADD "
                + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        )
    return updates


def record(
    *,
    org_id: str,
    action: str,
    entity_type: str,
    entity_id: str,
    changes: dict[str, Any] | None = None,
    context: AuditContext,
) -> AuditEntry:
    """An audit entry on its own, for events that write nothing else (a login, a failed login): the
    same chain, in a transaction of its own."""
    from docket.data.transactions import transaction

    with transaction(None, audit_context=context) as tx:
        pending = tx.audit(
            action, changes=changes, org_id=org_id, resource_type=entity_type, resource_id=entity_id
        )
    assert pending.entry is not None
    return pending.entry
