"""Lists of a resource: which index serves which sort, which filters apply, and a bounded read.

A resource declares its list once:

    LISTING = Listing(
        orders={"createdAt": Order(Client.gsi1, lambda org: f"ORG#{org}#CLIENTS"), "name": ...},
        filters={"status": "status", "type": "client_type"},   # query parameter → attribute
        narrowed={"stageId": Narrowed(Client.gsi4, "createdAt", lambda org, stage: ...)},
    )
    plan = LISTING.plan(org_id, sort="name", filters={"status": "active"})
    page = pagination.paginate_window(plan.read, request, scope, key_of=plan.key_of)

Each sort is an index whose sort key keeps the tenant's items in that order, so a page is a Query
in index order, never a Scan or an in-memory sort. Equality filters are a filter expression on
that Query, except a filter with its own partition (`narrowed`, in that partition's order), which
is the key. A filtered Query reads items the filter then drops; `read` bounds that work to
`max_calls` Query calls of at most `page_size` items, so a rare filter value costs a bounded
number of reads and answers a short page with a cursor to go on, never a read of the whole tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pynamodb.attributes import Attribute
from pynamodb.expressions.condition import Condition

from docket.data.models import TableItem, item_key
from docket.errors import ValidationFailed

T = TypeVar("T", bound=TableItem)

#: Query calls a filtered page may make before it answers what it found (and where to go on).
MAX_CALLS = 4
#: Items one call of a filtered Query reads (DynamoDB's Limit; a call also stops at 1 MB).
FILTERED_PAGE = 200


@dataclass(frozen=True)
class Window(Generic[T]):
    """Items read in list order, and where the read stopped when its budget ran out first (the
    DynamoDB key to resume from; None when it read all it was asked for or the list ended)."""

    items: list[T]
    resume: dict[str, Any] | None = None


@dataclass(frozen=True)
class Order:
    """A sort a list offers: the index that keeps the items in that order, and the tenant's partition in it."""

    index: Any
    partition: Callable[[str], str]


@dataclass(frozen=True)
class Narrowed:
    """A filter with its own partition: `partition(org, value)` of `index`, in the order `order`
    names; in any other order it is a filter expression on `attribute`."""

    index: Any
    order: str
    partition: Callable[[str, str], str]
    attribute: str


def _both(
    first: Callable[[T], bool] | None, second: Callable[[T], bool] | None
) -> Callable[[T], bool] | None:
    """Keep what both rules keep (a plan's own, and one given to a single read)."""
    if first is None or second is None:
        return first or second
    return lambda item: first(item) and second(item)


@dataclass(frozen=True)
class Plan(Generic[T]):
    """One list request's Query: index, partition, filter expression (None: no filter)."""

    model: type[T]
    index: Any
    partition: str
    condition: Condition | None
    #: drops items here, after the filter (an ethical wall: docket.cases.walls)
    keep: Callable[[T], bool] | None = None

    def read(
        self,
        wanted: int,
        start: dict[str, Any] | None,
        *,
        forward: bool = False,
        range_condition: Condition | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> Window[T]:
        """`range_condition`: a key range of the index's sort key (a calendar's `start`/`end`);
        `keep`: a rule applied here to what the Query returns (an ethical wall), in the same budget,
        besides the plan's own."""
        return read(
            self.model,
            self.index,
            self.partition,
            wanted=wanted,
            start=start,
            forward=forward,
            condition=self.condition,
            range_condition=range_condition,
            keep=_both(self.keep, keep),
        )

    def key_of(self, item: T) -> dict[str, Any]:
        return item_key(item, self.index)

    @property
    def sort_key(self) -> Any:
        """The index's sort key attribute: what a key range (`range_condition`) is a condition on."""
        for attribute in vars(type(self.index)).values():
            if isinstance(attribute, Attribute) and attribute.is_range_key:
                return attribute
        raise TypeError(f"{type(self.index).__name__} has no sort key")


@dataclass(frozen=True)
class Listing(Generic[T]):
    model: type[T]
    #: sort name (as the API spells it) → index order
    orders: Mapping[str, Order]
    #: filter name → attribute compared for equality
    filters: Mapping[str, str] = field(default_factory=dict)
    narrowed: Mapping[str, Narrowed] = field(default_factory=dict)
    #: other spellings of sort names (`created_at` for `createdAt`)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def sort_name(self, sort: str) -> str:
        """The declared sort `sort` names, or a 400 listing those there are."""
        name = self.aliases.get(sort, sort)
        if name not in self.orders:
            allowed = ", ".join(self.orders)
            raise ValidationFailed(
                "Unknown sort field", details=[{"field": "sortBy", "message": f"must be one of {allowed}"}]
            )
        return name

    def plan(
        self,
        org_id: str,
        *,
        sort: str,
        filters: Mapping[str, Any],
        also: Condition | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> Plan[T]:
        """The Query of a list: `also` is one more filter expression (a date range), `keep` a
        test of each item read (see `read`)."""
        name = self.sort_name(sort)
        given = {key: value for key, value in filters.items() if value is not None}
        unknown = sorted(set(given) - set(self.filters) - set(self.narrowed))
        if unknown:
            raise TypeError(f"undeclared filters {unknown}")
        order = self.orders[name]
        index, partition = order.index, order.partition(org_id)
        for key, narrowed in self.narrowed.items():
            if key in given and narrowed.order == name:
                index, partition = narrowed.index, narrowed.partition(org_id, str(given.pop(key)))
                break
        condition: Condition | None = None
        for key, value in sorted(given.items()):
            attribute = getattr(self.model, self.filters.get(key) or self.narrowed[key].attribute)
            clause = attribute == value
            condition = clause if condition is None else condition & clause
        if also is not None:
            condition = also if condition is None else condition & also
        return Plan(self.model, index, partition, condition, keep)


def read(
    model: type[T],
    index: Any,
    partition: str,
    *,
    wanted: int,
    start: dict[str, Any] | None,
    forward: bool,
    condition: Condition | None = None,
    range_condition: Condition | None = None,
    keep: Callable[[T], bool] | None = None,
    max_calls: int = MAX_CALLS,
) -> Window[T]:
    """Up to `wanted` items of `partition` in index order, from `start`, kept by `condition` (in
    DynamoDB) and `keep` (here), in at most `max_calls` Query calls: one when nothing filters."""
    filtered = condition is not None or keep is not None
    results = index.query(
        partition,
        range_condition,
        filter_condition=condition,
        scan_index_forward=forward,
        page_size=max(wanted, FILTERED_PAGE) if filtered else wanted,
        last_evaluated_key=start,
    )
    pages = results.page_iter
    items: list[T] = []
    for calls, raw in enumerate(pages, start=1):
        for data in raw.get("Items", []):
            item = model.from_raw_data(data)
            if isinstance(item, model) and (keep is None or keep(item)):
                items.append(item)
        if len(items) >= wanted or calls >= max_calls:
            break
    if len(items) >= wanted:
        return Window(items[:wanted])
    return Window(items, resume=pages.last_evaluated_key or None)
