"""Cases: rules, writes and reads (permissions, tenant and ethical wall checked here, on every call).

Every write is one `TransactWriteItems`: the case, its audit entry, its search entries
(docket.data.search), the firm's counts (docket.data.tallies), its client's open-case count (on
condition the client is a live client of the firm), a check that the assignee and team are members
of the firm, the case number's counter (docket.data.counters) and the firm's walls item
(docket.cases.walls) when the case is walled or its walled team changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pynamodb.expressions.condition import Condition

from docket import clock
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_window
from docket.cases import walls
from docket.cases.entities import ACTIVITY_SORT, Activity, Case, case_partition
from docket.cases.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityType,
    CaseDetail,
    CaseIn,
    CaseOut,
    CasePriority,
    CaseStatus,
    CaseUpdate,
    TeamOut,
    TeamUpdate,
)
from docket.clients import service as clients
from docket.data import counters, entities, listing, search, tallies
from docket.data.changes import Changes, diff_values
from docket.data.listing import Listing, Order
from docket.data.models import item_key, org_key
from docket.data.transactions import Transaction
from docket.errors import NotFound, ValidationFailed
from docket.identity.accounts import Membership, membership_key
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.CASES_READ
WRITE = permissions.CASES_WRITE
DELETE = permissions.CASES_DELETE
WALLS = permissions.WALLS_MANAGE
KIND = "case"
SERIES = "CASE"
#: activities `GET /cases/{caseId}` answers with the case (the same Query)
RECENT_ACTIVITIES = 10
WHAT = "Case"

LISTING: Listing[Case] = Listing(
    Case,
    orders={
        "createdAt": Order(Case.gsi1, lambda org: f"{org_key(org)}#CASES"),
        "title": Order(Case.gsi2, lambda org: f"{org_key(org)}#CASES#TITLE"),
        "updatedAt": Order(Case.gsi3, lambda org: f"{org_key(org)}#CASES#UPDATED"),
        "priority": Order(Case.gsi4, lambda org: f"{org_key(org)}#CASES#PRIORITY"),
    },
    filters={
        "status": "status",
        "priority": "priority",
        "clientId": "client_id",
        "assignedTo": "assigned_to",
    },
    aliases={"created_at": "createdAt", "updated_at": "updatedAt"},
)


# --- presenting --------------------------------------------------------------------------------


def _number(value: Any) -> int | float:
    """Hours and money as stored: whole numbers answer as integers (seed 000's `40`, not `40.0`)."""
    number = float(value or 0)
    return int(number) if number.is_integer() else number


def _optional_number(value: Any) -> int | float | None:
    return None if value is None else _number(value)


def present(item: Case) -> CaseOut:
    return CaseOut(**_fields(item))


def _fields(item: Case) -> dict[str, Any]:
    return {
        "id": item.id,
        "case_number": item.case_number,
        "title": item.title,
        "description": item.description,
        "status": CaseStatus(item.status),
        "priority": CasePriority(item.priority),
        "client_id": item.client_id,
        "assigned_to": item.assigned_to,
        "estimated_hours": _optional_number(item.estimated_hours),
        "actual_hours": _number(item.actual_hours),
        "billing_rate": _optional_number(item.billing_rate),
        "total_billed": _number(item.total_billed),
        "tags": list(item.tags or ()),
        "responsible_attorney": item.responsible_attorney,
        "team_members": list(item.team_members or ()),
        "restricted": bool(item.restricted),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "version": int(item.version or 0),
    }


def present_detail(item: Case, activities: Iterable[Activity]) -> CaseDetail:
    return CaseDetail(**_fields(item), activities=[present_activity(a) for a in activities])


def present_activity(item: Activity) -> ActivityOut:
    return ActivityOut(
        id=item.id,
        case_id=item.case_id,
        type=ActivityType(item.activity_type),
        description=item.description,
        time_spent=_optional_number(item.time_spent),
        billable=bool(item.billable),
        created_by=item.created_by,
        created_at=item.created_at,
    )


def present_team(item: Case) -> TeamOut:
    return TeamOut(
        case_id=item.id,
        responsible_attorney=item.responsible_attorney,
        members=list(item.team_members or ()),
        assigned_to=item.assigned_to,
        restricted=bool(item.restricted),
        version=int(item.version or 0),
    )


# --- helpers -------------------------------------------------------------------------------------


def _words(item: Case) -> tuple[str, ...]:
    return search.words(item.case_number, item.title)


def _is_open(status: str | None) -> bool:
    return status is not None and status != CaseStatus.CLOSED


def _counts(before: Mapping[str, Any] | None, after: Case | None) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for dimension in ("status", "priority"):
        was = before.get(dimension) if before else None
        now = getattr(after, dimension) if after is not None else None
        for key, delta in tallies.moved("cases", dimension, was, now).items():
            deltas[key] = deltas.get(key, 0) + delta
    return deltas


def _member(tx: Transaction, org_id: str, user_id: str, field: str) -> None:
    """In `tx`: `user_id` is an active member of the firm (a 400 on `field` otherwise)."""
    pk, sk = membership_key(org_id, user_id)
    refusal = ValidationFailed(
        "Not a member of this firm",
        details=[{"field": field, "message": "not an active member of this firm"}],
    )
    member = Membership(pk=pk, sk=sk, org_id=org_id, id=user_id, user_id=user_id)
    tx.check(member, Membership.status == "active", refusal=refusal)


def _open_moves(tx: Transaction, item: Case, was_open: bool) -> None:
    """The client's open-case count follows the case's status."""
    if was_open != _is_open(item.status):
        clients.count_open_case(tx, item.org_id, item.client_id, +1 if not was_open else -1)


def _wall(tx: Transaction, item: Case) -> None:
    """The firm's walls item names the case's team while it is restricted (docket.cases.walls)."""
    walls.record(tx, item.org_id, item.id, item.team() if item.restricted else None)


def _date_bound(value: str | None, field: str, *, end: bool) -> str | None:
    """An ISO 8601 date or time as the stored `createdAt` compares (a date alone is the whole day)."""
    if value is None:
        return None
    moment = clock.parse(value) if "T" in value else clock.parse(f"{value}T00:00:00Z")
    if moment is None:
        raise ValidationFailed(
            "Invalid date", details=[{"field": field, "message": "an ISO 8601 date or date-time"}]
        )
    stamp = clock.iso(moment)
    if end and "T" not in value:
        stamp = f"{value}T23:59:59.999Z"
    return stamp


# --- writes --------------------------------------------------------------------------------------


def create(principal: Principal, data: CaseIn) -> Case:
    """A case opens for a client of the firm, numbered `CASE-YYYY-NNN` in the firm's yearly series."""
    principal.require(WRITE)

    def attempt() -> Case:
        number = counters.reserve(principal.org_id, SERIES)
        item = Case(
            id=new_id(Case.ID_PREFIX),
            org_id=principal.org_id,
            case_number=number.label,
            title=data.title,
            description=data.description,
            status=CaseStatus.OPEN.value,
            priority=data.priority.value,
            client_id=data.client_id,
            assigned_to=data.assigned_to,
            estimated_hours=data.estimated_hours,
            actual_hours=0,
            billing_rate=data.billing_rate,
            total_billed=0,
            tags=list(data.tags) if data.tags else None,
            restricted=False,
        )
        item.search_words = list(_words(item))

        def also(tx: Transaction) -> None:
            number.commit_in(tx)
            clients.count_open_case(tx, item.org_id, item.client_id, +1)
            if item.assigned_to:
                _member(tx, item.org_id, item.assigned_to, "assignedTo")
            search.reindex(tx, item.org_id, KIND, item.id, (), item.search_words or ())
            tallies.adjust(tx, item.org_id, _counts(None, item))

        return entities.create(principal, item, action="case.created", also=also)

    return counters.numbered(attempt)


def get(principal: Principal, case_id: str) -> Case:
    """The case (one `GetItem`), or a 404 — also when it is walled off for the caller."""
    principal.require(READ)
    item = entities.fetch(Case, principal.org_id, case_id, what=WHAT)
    _check_wall(principal, item)
    return item


def _check_wall(principal: Principal, item: Case) -> None:
    if not walls.sees(principal, restricted=bool(item.restricted), team=item.team()):
        raise NotFound(f"{WHAT} not found")


def get_with_activities(principal: Principal, case_id: str) -> tuple[Case, list[Activity]]:
    """The case and its most recent activities, newest first, in one `Query` of its partition."""
    principal.require(READ)
    item, activities = entities.fetch_with_children(
        Case, Activity, principal.org_id, case_id, what=WHAT, children=RECENT_ACTIVITIES
    )
    _check_wall(principal, item)
    return item, activities


def update(principal: Principal, case_id: str, data: CaseUpdate, if_match: str | None) -> Case:
    """Apply the sent fields; a PUT that changes nothing answers the case as it is (same version).
    Closing a case frees its client's open-case count, reopening it takes one again."""
    principal.require(WRITE)
    item = get(principal, case_id)
    concurrency.check(if_match, item.version)
    # as JSON: the enums as the strings stored
    sent = data.model_dump(mode="json", exclude_unset=True, by_alias=False)
    changes = diff_values({name: getattr(item, name, None) for name in sent}, sent)
    if not changes:
        return item
    before = {"status": item.status, "priority": item.priority}
    was_open = _is_open(item.status)
    team_before = item.team()
    words_before = tuple(item.search_words or ())
    changes.apply(item)
    item.search_words = list(_words(item))

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, words_before, item.search_words or ())
        tallies.adjust(tx, item.org_id, _counts(before, item))
        _open_moves(tx, item, was_open)
        if "assigned_to" in changes and item.assigned_to:
            _member(tx, item.org_id, item.assigned_to, "assignedTo")
        if item.restricted and item.team() != team_before:
            _wall(tx, item)

    entities.commit_changes(principal, item, changes, action="case.updated", if_match=if_match, also=also)
    return item


def update_team(principal: Principal, case_id: str, data: TeamUpdate, if_match: str | None) -> Case:
    """Staff the case, and wall it or take its wall down (`walls:manage`; audited as
    `case.walled` / `case.unwalled`). Everyone named must be an active member of the firm."""
    principal.require(WRITE)
    item = get(principal, case_id)
    concurrency.check(if_match, item.version)
    given = data.model_fields_set
    sent: dict[str, Any] = {}
    if "responsible_attorney" in given:
        sent["responsible_attorney"] = data.responsible_attorney
    if "members" in given and data.members is not None:
        sent["team_members"] = list(dict.fromkeys(data.members)) or None
    if "restricted" in given and data.restricted is not None:
        if data.restricted != bool(item.restricted):
            principal.require(WALLS)
        sent["restricted"] = data.restricted
    changes = diff_values({name: getattr(item, name, None) for name in sent}, sent)
    if not changes:
        return item
    was_restricted = bool(item.restricted)
    team_before = item.team()
    changes.apply(item)
    newcomers = item.team() - team_before - {item.assigned_to}

    def also(tx: Transaction) -> None:
        for person in sorted(newcomers):
            field = "responsibleAttorney" if person == item.responsible_attorney else "members"
            _member(tx, item.org_id, person, field)
        if was_restricted != bool(item.restricted) or (item.restricted and item.team() != team_before):
            _wall(tx, item)
        if was_restricted != bool(item.restricted):
            wall_change = Changes(
                before={"restricted": was_restricted}, after={"restricted": item.restricted}
            )
            tx.audit("case.walled" if item.restricted else "case.unwalled", item, wall_change.audit())

    entities.commit_changes(
        principal, item, changes, action="case.team_changed", if_match=if_match, also=also
    )
    return item


def delete(principal: Principal, case_id: str, if_match: str | None) -> Case:
    """Soft delete: out of every list and search, its activities and audit history kept; an open
    case frees its client's count. A walled case stays in the walls item, so what links to it
    (tasks, events) stays hidden from outsiders."""
    principal.require(DELETE)
    item = get(principal, case_id)
    concurrency.check(if_match, item.version)
    words_before = tuple(item.search_words or ())
    before = {"status": item.status, "priority": item.priority}

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, words_before, ())
        tallies.adjust(tx, item.org_id, _counts(before, None))
        if _is_open(item.status):
            clients.count_open_case(tx, item.org_id, item.client_id, -1)

    entities.remove(principal, item, action="case.deleted", if_match=if_match, also=also)
    return item


def add_activity(principal: Principal, case_id: str, data: ActivityIn) -> Activity:
    """Log an activity on the case; billable time adds to its actual hours in the same transaction."""
    principal.require(WRITE)
    item = get(principal, case_id)
    activity = Activity(
        id=new_id(Activity.ID_PREFIX),
        org_id=item.org_id,
        case_id=item.id,
        activity_type=data.type.value,
        description=data.description,
        time_spent=data.time_spent,
        billable=data.billable,
    )
    hours = data.time_spent if data.billable and data.time_spent else 0

    def logged(tx: Transaction) -> None:
        tx.save(activity, condition=Activity.pk.does_not_exist())

    if hours:
        worked = diff_values(
            {"actual_hours": item.actual_hours}, {"actual_hours": _number(item.actual_hours) + hours}
        )
        entities.commit_changes(
            principal, item, worked, action="case.activity_added", if_match=None, also=logged
        )
        return activity

    def on_live_case(tx: Transaction) -> None:
        live = Case.pk.exists() & Case.deleted_at.does_not_exist()
        pk, sk = Case.primary_key(item.org_id, item.id)
        tx.check(Case(pk=pk, sk=sk, org_id=item.org_id), live, refusal=NotFound(f"{WHAT} not found"))

    entities.create(principal, activity, action="case.activity_added", also=on_live_case)
    return activity


# --- reads ---------------------------------------------------------------------------------------


def list_activities(principal: Principal, case_id: str, page: PageRequest) -> Page[Activity]:
    """The case's activities, newest first: its `GetItem` (tenant, wall), then one `Query` a page."""
    item = get(principal, case_id)
    partition = case_partition(item.org_id, item.id)
    scope = Scope(tenant=item.org_id, query={"list": "activities", "case": item.id})
    return paginate_window(
        lambda wanted, start: listing.read(
            Activity,
            Activity,
            partition,
            wanted=wanted,
            start=start,
            forward=False,
            range_condition=Activity.sk.startswith(ACTIVITY_SORT),
        ),
        page,
        scope,
        key_of=item_key,
    )


def list_cases(
    principal: Principal,
    page: PageRequest,
    *,
    search_term: str | None = None,
    status: CaseStatus | None = None,
    priority: CasePriority | None = None,
    client_id: str | None = None,
    assigned_to: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    sort_by: str = "createdAt",
    descending: bool = True,
) -> Page[Case]:
    """One Query a page in the sort's index (filters bounded: docket.data.listing); with `search`,
    the search entries' Query and one `BatchGetItem` of the cases found. Walled cases the caller
    may not see are left out (the walls item: one `GetItem`, none for an owner), and a list that
    leaves any out gives no total."""
    principal.require(READ)
    org_id = principal.org_id
    wall = walls.wall_for(principal)
    filters = {
        "status": status.value if status else None,
        "priority": priority.value if priority else None,
        "clientId": client_id,
        "assignedTo": assigned_to,
    }
    since = _date_bound(date_from, "dateFrom", end=False)
    until = _date_bound(date_to, "dateTo", end=True)
    sort = LISTING.sort_name(sort_by)
    scope = Scope(
        tenant=org_id,
        query={
            "list": "cases",
            "q": search_term,
            **filters,
            "from": since,
            "to": until,
            "sort": sort,
            "desc": descending,
        },
    )
    dated: Condition | None = None
    if since is not None and until is not None:
        dated = Case.created_at.between(since, until)
    elif since is not None:
        dated = Case.created_at >= since
    elif until is not None:
        dated = Case.created_at <= until
    if search_term:
        return _search(org_id, wall, page, scope, search_term, filters, since, until)
    plan = LISTING.plan(org_id, sort=sort, filters=filters, also=dated, keep=lambda c: not wall.hides(c.id))
    given = [name for name, value in filters.items() if value is not None]
    countable = dated is None and set(given) <= {"status", "priority"} and len(given) <= 1
    return paginate_window(
        lambda wanted, start: plan.read(wanted, start, forward=not descending),
        page,
        scope,
        key_of=plan.key_of,
        count=(lambda: tallies.total(org_id, "cases", filters))
        if countable and not wall.hides_any()
        else None,
    )


def _search(
    org_id: str,
    wall: walls.Wall,
    page: PageRequest,
    scope: Scope,
    term: str,
    filters: Mapping[str, str | None],
    since: str | None,
    until: str | None,
) -> Page[Case]:
    """A search page: entries in word order (docket.data.search), then the cases they name, kept by
    the filters and the wall (a filtered search page may hold fewer than `limit`)."""
    hits = paginate_window(
        lambda wanted, start: search.find(org_id, KIND, term, wanted=wanted, start=start),
        page,
        scope,
        key_of=item_key,
    )
    found = entities.fetch_many(Case, org_id, [hit.entity_id for hit in hits.items])
    wanted = {
        "status": filters.get("status"),
        "priority": filters.get("priority"),
        "client_id": filters.get("clientId"),
        "assigned_to": filters.get("assignedTo"),
    }

    def kept(case: Case) -> bool:
        if wall.hides(case.id) or any(v is not None and getattr(case, k) != v for k, v in wanted.items()):
            return False
        return (since is None or case.created_at >= since) and (until is None or case.created_at <= until)

    return Page(items=[c for c in found if kept(c)], pagination=hits.pagination)


def client_cases(principal: Principal, client_id: str, page: PageRequest, **query: Any) -> Page[Case]:
    """`GET /clients/{clientId}/cases`: the client must be the firm's (404 otherwise), then the list."""
    principal.require(READ)
    clients.get(principal, client_id)
    return list_cases(principal, page, client_id=client_id, **query)
