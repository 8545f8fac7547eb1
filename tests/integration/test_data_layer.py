"""The single-table mechanisms on moto: transactions, audit, versions, counters, soft delete."""

from __future__ import annotations

import threading

import pytest
from pynamodb.attributes import UnicodeAttribute

from docket.data import counters
from docket.data.audit import AuditEntry, audit_partition
from docket.data.models import TenantItem, org_key
from docket.data.transactions import transaction
from docket.errors import Conflict
from docket.ids import new_id
from docket.security.principal import Principal
from docket.settings import Settings

ACTOR = Principal(user_id="usr_1", org_id="org_A")

#: audit entries are read by day: the clock stands still, so no midnight falls within a test
pytestmark = pytest.mark.usefixtures("frozen")


class Matter(TenantItem, discriminator="test_matter"):
    """A numbered tenant entity, like a case."""

    number = UnicodeAttribute(null=True)
    title = UnicodeAttribute()

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": f"{org_key(self.org_id)}#MATTER#{self.id}",
            "sk": "META",
            "gsi1pk": f"{org_key(self.org_id)}#MATTER",
            "gsi1sk": f"{self.created_at}#{self.id}",
        }


def create_numbered(title: str, org_id: str = "org_A") -> Matter:
    def attempt() -> Matter:
        reservation = counters.reserve(org_id, "CASE", year=2026)
        matter = Matter(id=new_id("mat"), org_id=org_id, title=title, number=reservation.label)
        with transaction(Principal(user_id=ACTOR.user_id, org_id=org_id)) as tx:
            tx.save(matter, condition=Matter.pk.does_not_exist())
            reservation.commit_in(tx)
            tx.audit("matter.created", matter)
        return matter

    return counters.numbered(attempt)


def audit_entries(org_id: str) -> list[AuditEntry]:
    from docket import clock

    return [
        e for e in AuditEntry.query(audit_partition(org_id, clock.iso()[:10])) if isinstance(e, AuditEntry)
    ]


def test_numbers_are_sequential_per_tenant(aws: Settings) -> None:
    assert [create_numbered(f"M{i}").number for i in range(3)] == [
        "CASE-2026-001",
        "CASE-2026-002",
        "CASE-2026-003",
    ]
    assert create_numbered("other", org_id="org_B").number == "CASE-2026-001"


def test_concurrent_creates_get_distinct_numbers_without_gaps(aws: Settings) -> None:
    results: list[str] = []
    errors: list[Exception] = []

    def worker(i: int) -> None:
        try:
            results.append(str(create_numbered(f"M{i}").number))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [f"CASE-2026-00{i}" for i in range(1, 5)]


def test_a_failed_condition_cancels_the_whole_transaction(aws: Settings) -> None:
    existing = create_numbered("first")
    duplicate = Matter(id=existing.id, org_id="org_A", title="dup")
    fresh = Matter(id=new_id("mat"), org_id="org_A", title="fresh")

    def write_all() -> None:
        with transaction(ACTOR) as tx:
            tx.save(fresh)
            tx.audit("matter.created", fresh)
            tx.save(duplicate, condition=Matter.pk.does_not_exist())

    with pytest.raises(Conflict):
        write_all()
    assert Matter.count(fresh.keys()["pk"]) == 0
    assert [e.entity_id for e in audit_entries("org_A")] == [existing.id]
    # and the counter did not move
    assert create_numbered("second").number == "CASE-2026-002"


def test_a_stale_version_is_a_conflict(aws: Settings) -> None:
    matter = create_numbered("versioned")
    first = Matter.get(matter.pk, "META")
    second = Matter.get(matter.pk, "META")
    first.title = "edited once"
    with transaction(ACTOR) as tx:
        tx.save(first)
    second.title = "edited from a stale read"

    def write_stale() -> None:
        with transaction(ACTOR) as tx:
            tx.save(second)

    with pytest.raises(Conflict):
        write_stale()
    assert Matter.get(matter.pk, "META").title == "edited once"


def test_soft_delete_keeps_the_item_but_drops_it_from_lists(aws: Settings) -> None:
    keep = create_numbered("keep")
    gone = create_numbered("gone")
    gone.soft_delete()
    with transaction(ACTOR) as tx:
        tx.save(gone)
    listed = [m.id for m in Matter.gsi1.query(f"{org_key('org_A')}#MATTER")]
    assert listed == [keep.id]
    assert Matter.get(gone.pk, "META").is_deleted


def test_a_series_may_never_restart_and_start_above_one(aws: Settings) -> None:
    # Given a perpetual series starting at 7 (custom roles, after the six system roles)
    def take() -> int:
        reservation = counters.reserve("org_A", "ROLE", yearly=False, first=7)
        with transaction(ACTOR) as tx:
            reservation.commit_in(tx)
        return reservation.number

    # Then it counts 7, 8, 9, whatever the year, and its label has no year
    assert [take(), take(), take()] == [7, 8, 9]
    assert counters.reserve("org_A", "ROLE", yearly=False, first=7).label == "ROLE-010"


class Taken(Conflict):
    default_message = "That title is taken"


@pytest.mark.parametrize("failing", ["named", "other"])
def test_a_write_names_the_error_its_condition_stands_for(aws: Settings, failing: str) -> None:
    # Given three matters, and a transaction of every kind of write, one of them naming its error
    first, second, third = create_numbered("First"), create_numbered("Second"), create_numbered("Third")
    named_fails = failing == "named"
    writes = transaction(ACTOR)
    with pytest.raises(Conflict) as refused, writes as tx:  # noqa: PT012 - the commit is the exit
        tx.check(first, Matter.title == "First")
        tx.save(Matter(id=new_id("mat"), org_id="org_A", title="Fourth"))
        tx.update(
            second,
            actions=[Matter.title.set("Second, renamed")],
            condition=Matter.title == ("Nope" if named_fails else "Second"),
            refusal=Taken(),
        )
        tx.delete(third, condition=Matter.title == ("Third" if named_fails else "Nope"))
        tx.audit("matter.touched", first)
    # Then the error raised is the named one exactly when its own condition failed
    assert isinstance(refused.value, Taken) is named_fails
