"""Human numbers (`CASE-2026-001`) from an atomic, gap-free per-tenant counter.

The counter is read, then advanced inside the entity's own transaction with a condition on the
value read: two concurrent creates cannot get the same number, and a failed create burns none.
The loser of a race retries (`numbered`).

Series restart every year (`CASE-2026-001`) unless reserved with `yearly=False`; a series may start
above 1 (`first`: custom roles are numbered from 7, after the six system roles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from docket import clock
from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction
from docket.errors import Conflict

T = TypeVar("T")
MAX_ATTEMPTS = 5


class Counter(TableItem, discriminator="counter"):
    org_id = UnicodeAttribute()
    series = UnicodeAttribute()
    value = NumberAttribute(default=0)


@dataclass(frozen=True)
class Reservation:
    org_id: str
    series: str
    #: None for a series that never restarts
    year: int | None
    number: int
    width: int
    #: the number a series that has never been used starts at
    first: int = 1

    @property
    def label(self) -> str:
        if self.year is None:
            return f"{self.series}-{self.number:0{self.width}d}"
        return f"{self.series}-{self.year}-{self.number:0{self.width}d}"

    def _item(self) -> Counter:
        return Counter(
            pk=org_key(self.org_id),
            sk=_counter_key(self.series, self.year),
            org_id=self.org_id,
            series=self.series,
            value=self.number,
        )

    def commit_in(self, tx: Transaction) -> None:
        """Advance the counter in `tx`, on condition nobody else advanced it first."""
        item = self._item()
        if self.number == self.first:
            tx.save(item, condition=Counter.pk.does_not_exist())
        else:
            tx.update(
                item, actions=[Counter.value.set(self.number)], condition=Counter.value == self.number - 1
            )


def _counter_key(series: str, year: int | None) -> str:
    return f"COUNTER#{series}" if year is None else f"COUNTER#{series}#{year}"


def reserve(
    org_id: str,
    series: str,
    *,
    width: int = 3,
    year: int | None = None,
    yearly: bool = True,
    first: int = 1,
) -> Reservation:
    """The next number of the tenant's series (this year's, unless `yearly=False`), to commit in
    the transaction that uses it."""
    counted_year = (year or clock.now().year) if yearly else None
    try:
        current = Counter.get(org_key(org_id), _counter_key(series, counted_year), consistent_read=True).value
        number = int(current) + 1
    except Counter.DoesNotExist:
        number = first
    return Reservation(
        org_id=org_id, series=series, year=counted_year, number=number, width=width, first=first
    )


def numbered(create: Callable[[], T]) -> T:
    """Run `create` (which reserves and commits a number) again when it lost a race."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            return create()
        except Conflict:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
