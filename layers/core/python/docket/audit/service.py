"""Reading the audit trail: lists with filters and date ranges, one entry, statistics, the members
whose entries the caller may see. Every read needs `audit:read` and stays in the caller's firm.

Access patterns (docs/access-patterns.md, A1-A8): a list page is one Query on the index of its most
selective filter — action (GSI3), actor (GSI1), resource type (GSI4), or none (GSI2) — with the
date range as the key condition on `<at>#<sequence>`, so a range of any length costs what its page
costs. A second or third filter is a filter expression on that Query: the page then reads at most
`COMBINED_BUDGET` entries (one Query), so it may hold fewer than `limit` and still have a next page
(pages by cursor only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from docket import clock
from docket.api.pagination import (
    Page,
    PageRequest,
    Scope,
    decode_cursor,
    encode_cursor,
    page_of,
    paginate_query,
)
from docket.audit.schemas import (
    ActionCount,
    ActorCount,
    AuditLogOut,
    AuditStats,
    DayCount,
    ViewableUser,
)
from docket.aws import client
from docket.data import audit
from docket.data.audit import ActorKind, AuditEntry
from docket.data.models import item_key, org_key
from docket.data.schema import PRIMARY
from docket.errors import NotFound, ValidationFailed
from docket.security import permissions
from docket.security.principal import Principal
from docket.settings import get_settings

READ = permissions.AUDIT_READ
#: entries a page with two or three filters reads at most (one Query)
COMBINED_BUDGET = 200
#: the longest period statistics cover
MAX_STATS_DAYS = 366
DEFAULT_STATS_DAYS = 30
_EARLIEST_YEAR, _LATEST_YEAR = 1970, 9999


def present(entry: AuditEntry) -> AuditLogOut:
    return AuditLogOut(
        id=entry.id,
        sequence=int(entry.sequence),
        action=entry.action,
        actor_id=entry.actor_id,
        actor_kind=ActorKind(entry.actor_kind),
        resource_type=entry.entity_type,
        resource_id=entry.entity_id,
        changes=entry.changes,
        ip=entry.ip,
        user_agent=entry.user_agent,
        request_id=entry.request_id,
        created_at=entry.created_at,
        previous_hash=entry.previous_hash,
        hash=entry.hash,
    )


# ---------------------------------------------------------------------------------------------
# dates


def optional_instant(value: str | None, field: str, *, end: bool = False) -> str | None:
    return None if value is None else instant(value, field, end=end)


def instant(value: str, field: str, *, end: bool = False) -> str:
    """An ISO 8601 date (the day's first millisecond, or with `end` its last) or date-time, as the
    trail's timestamps spell it (UTC, milliseconds, `Z`); anything else is a 400 naming `field`."""
    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(
                date.fromisoformat(text), day_time.max if end else day_time.min, tzinfo=UTC
            )
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"{field} is not an ISO 8601 date or date-time",
            details=[{"field": field, "message": "expected e.g. 2024-01-31 or 2024-01-31T23:59:59Z"}],
        ) from None
    if not _EARLIEST_YEAR <= moment.year <= _LATEST_YEAR:
        raise ValidationFailed(
            f"{field} is out of range",
            details=[{"field": field, "message": f"a year from {_EARLIEST_YEAR} to {_LATEST_YEAR}"}],
        )
    return clock.iso(moment)


def _ordered(start: str | None, end: str | None, names: tuple[str, str]) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationFailed(
            f"{names[0]} is after {names[1]}",
            details=[{"field": names[1], "message": f"must not be before {names[0]}"}],
        )


# ---------------------------------------------------------------------------------------------
# lists


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    actor_id: str | None = None
    resource_type: str | None = None
    #: ISO instants, inclusive
    start: str | None = None
    end: str | None = None

    @classmethod
    def read(
        cls,
        *,
        action: str | None = None,
        user_id: str | None = None,
        resource_type: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> Filters:
        start = optional_instant(start_date, "startDate")
        end = optional_instant(end_date, "endDate", end=True)
        _ordered(start, end, ("startDate", "endDate"))
        return cls(
            action=action or None,
            actor_id=user_id or None,
            resource_type=resource_type or None,
            start=start,
            end=end,
        )


def _range(filters: Filters, attribute: Any) -> Condition | None:
    """The date range as a condition on an index's `<at>#<sequence>` sort key."""
    if filters.start and filters.end:
        condition: Condition = attribute.between(filters.start, f"{filters.end}#~")
        return condition
    if filters.start:
        return attribute >= filters.start  # type: ignore[no-any-return]
    if filters.end:
        return attribute <= f"{filters.end}#~"  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True)
class _Plan:
    index: GlobalSecondaryIndex[Any]
    partition: str
    range: Condition | None
    residual: Condition | None


def _plan(org_id: str, filters: Filters) -> _Plan:
    """The index of the first filter given (action, actor, resource type; else the whole trail) and
    the others as a filter expression."""
    dimensions = [
        (filters.action, AuditEntry.gsi3, AuditEntry.gsi3sk, audit.action_partition, AuditEntry.action),
        (filters.actor_id, AuditEntry.gsi1, AuditEntry.gsi1sk, audit.actor_partition, AuditEntry.actor_id),
        (
            filters.resource_type,
            AuditEntry.gsi4,
            AuditEntry.gsi4sk,
            audit.resource_type_partition,
            AuditEntry.entity_type,
        ),
    ]
    given = [d for d in dimensions if d[0] is not None]
    if not given:
        return _Plan(AuditEntry.gsi2, audit.trail_partition(org_id), _range(filters, AuditEntry.gsi2sk), None)
    value, index, sort_key, partition, _ = given[0]
    residual: Condition | None = None
    for other_value, *_, attribute in given[1:]:
        clause = attribute == other_value
        residual = clause if residual is None else residual & clause
    return _Plan(index, partition(org_id, str(value)), _range(filters, sort_key), residual)


def list_entries(
    principal: Principal,
    page: PageRequest,
    filters: Filters,
    *,
    newest_first: bool = True,
    route: str = "audit-logs",
) -> Page[AuditEntry]:
    principal.require(READ)
    plan = _plan(principal.org_id, filters)
    scope = Scope(tenant=principal.org_id, query={"route": route, **asdict(filters), "newest": newest_first})
    if plan.residual is not None:
        return _combined_page(plan, page, scope, newest_first)

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[AuditEntry]:
        return plan.index.query(
            plan.partition,
            plan.range,
            scan_index_forward=not newest_first,
            limit=limit,
            last_evaluated_key=start,
        )

    count = None
    if filters == Filters():
        # the whole trail's size is its head's sequence: one GetItem, not a count of every entry
        def count() -> int:
            head = audit.read_head(principal.org_id)
            return int(head.sequence) if head else 0

    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, plan.index), count=count)


def _combined_page(plan: _Plan, page: PageRequest, scope: Scope, newest_first: bool) -> Page[AuditEntry]:
    """One Query of at most `COMBINED_BUDGET` entries, filtered: the page, and where to go on."""
    if page.skip:
        raise ValidationFailed(
            "With more than one of action, userId and resourceType, page with the cursor",
            details=[{"field": "page" if page.page is not None else "offset", "message": "use cursor"}],
        )
    start = None
    if page.cursor:
        start = decode_cursor(scope, page.cursor).get("k")
        if not isinstance(start, dict):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
    results = plan.index.query(
        plan.partition,
        plan.range,
        filter_condition=plan.residual,
        scan_index_forward=not newest_first,
        page_size=max(COMBINED_BUDGET, page.limit + 1),
        last_evaluated_key=start,
    )
    raw = next(results.page_iter)
    found = [AuditEntry.from_raw_data(item) for item in raw.get("Items", [])]
    items = [e for e in found if isinstance(e, AuditEntry)][: page.limit]
    resume: dict[str, Any] | None = None
    if len(found) > page.limit:
        resume = item_key(items[-1], plan.index)
    elif results.page_iter.last_evaluated_key:
        resume = results.page_iter.last_evaluated_key
    cursor = encode_cursor(scope, {"k": resume}) if resume is not None else None
    return page_of(items, page, next_cursor=cursor)


def get_entry(principal: Principal, entry_id: str) -> AuditEntry:
    principal.require(READ)
    found = audit.find(principal.org_id, entry_id)
    if found is None:
        raise NotFound("Audit log not found")
    return found


# ---------------------------------------------------------------------------------------------
# statistics: the per-day counts written with the entries


def stats(principal: Principal, *, start_date: str | None = None, end_date: str | None = None) -> AuditStats:
    """Counts by action, by actor and by day over a period of whole days (default the last 30)."""
    principal.require(READ)
    end_at = optional_instant(end_date, "endDate", end=True) or clock.iso()
    start_at = optional_instant(start_date, "startDate") or clock.iso(
        datetime.fromisoformat(end_at) - timedelta(days=DEFAULT_STATS_DAYS - 1)
    )
    _ordered(start_at, end_at, ("startDate", "endDate"))
    first, last = start_at[:10], end_at[:10]
    if (date.fromisoformat(last) - date.fromisoformat(first)).days >= MAX_STATS_DAYS:
        raise ValidationFailed(
            "The period is too long",
            details=[{"field": "startDate", "message": f"at most {MAX_STATS_DAYS} days before endDate"}],
        )
    actions: dict[str, int] = {}
    actors: dict[str, int] = {}
    days: list[DayCount] = []
    for day in _day_counts(principal.org_id, first, last):
        days.append(DayCount(date=str(day["day"]), count=int(day.get(audit.TOTAL_COUNT, 0))))
        for name, value in day.items():
            if name.startswith(audit.ACTION_COUNT):
                key = name[len(audit.ACTION_COUNT) :]
                actions[key] = actions.get(key, 0) + int(value)
            elif name.startswith(audit.ACTOR_COUNT):
                key = name[len(audit.ACTOR_COUNT) :]
                actors[key] = actors.get(key, 0) + int(value)

    def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

    return AuditStats(
        start_date=first,
        end_date=last,
        total=sum(d.count for d in days),
        by_action=[ActionCount(action=a, count=c) for a, c in ranked(actions)],
        by_actor=[ActorCount(user_id=a, count=c) for a, c in ranked(actors)],
        by_day=days,
    )


def _day_counts(org_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """The day items of a period: one Query (paged by DynamoDB only past 1 MB)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    dynamodb = client("dynamodb")
    request: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#pk": PRIMARY.partition, "#sk": PRIMARY.sort},
        "ExpressionAttributeValues": {
            ":pk": {"S": audit.stats_partition(org_id)},
            ":first": {"S": first},
            ":last": {"S": last},
        },
    }
    days: list[dict[str, Any]] = []
    while True:
        answer = dynamodb.query(**request)
        days += [
            {name: deserialize(value) for name, value in item.items()} for item in answer.get("Items", [])
        ]
        if not answer.get("LastEvaluatedKey"):
            return days
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


# ---------------------------------------------------------------------------------------------
# whose entries the caller sees


def viewable_users(principal: Principal, page: PageRequest) -> Page[ViewableUser]:
    """The firm's members (an `audit:read` holder sees everyone's entries), with their names: one
    Query of the memberships and one BatchGetItem of their users per page."""
    from docket.identity.accounts import Membership, User  # the identity module: only this route needs it

    principal.require(READ)
    members_key = f"{org_key(principal.org_id)}#MEMBERS"

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[Membership]:
        return Membership.gsi1.query(members_key, limit=limit, last_evaluated_key=start)  # type: ignore[return-value]

    scope = Scope(tenant=principal.org_id, query={"route": "audit-logs/viewable-users"})
    members = paginate_query(query, page, scope, key_of=lambda m: item_key(m, Membership.gsi1))
    wanted = [m for m in members.items if isinstance(m, Membership)]
    users = {
        u.id: u
        for u in User.batch_get([(f"USER#{m.user_id}", "META") for m in wanted])
        if isinstance(u, User)
    }
    listed = [
        ViewableUser(
            id=m.user_id,
            email=users[m.user_id].email,
            first_name=users[m.user_id].first_name,
            last_name=users[m.user_id].last_name,
            name=users[m.user_id].name,
            roles=[str(r) for r in m.roles or ()],
            status=m.status,
        )
        for m in wanted
        if m.user_id in users
    ]
    return Page(items=listed, pagination=members.pagination)
