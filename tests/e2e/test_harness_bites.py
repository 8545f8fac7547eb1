"""The harnesses test themselves: each one, run against a deliberately planted defect
(tests/harness/planted.py: the helpdesk group replaced by broken feedback routes, served through
the emulator's own gateway), must fail — and pass against the same planted routes without it, so
the failure is the defect's. The checking code is the very code the real suites run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from tests.harness import hostile, isolation
from tests.harness.changes import Feeds, TableChanges
from tests.harness.firms import Firm
from tests.harness.fuzz import FuzzFailure, fuzz_operation
from tests.harness.fuzz import load as load_schema
from tests.harness.planted import Defect, PlantedApi, serve_planted
from tests.harness.resources import RESOURCES, create_item

pytestmark = pytest.mark.e2e

EXAMPLES = 25


def _planted(defects: set[Defect]) -> Iterator[PlantedApi]:
    with serve_planted(frozenset(defects)) as planted:
        yield planted


@pytest.fixture
def planted(request: pytest.FixtureRequest) -> Iterator[PlantedApi]:
    yield from _planted(set(getattr(request, "param", ())))


@pytest.fixture
def planted_api(planted: PlantedApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=planted.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def tenants(planted_api: httpx.Client, firms: tuple[Firm, Firm]) -> tuple[Firm, Firm]:
    """The isolation firms' members, owning planted feedback only (the planted group keeps its own)."""
    furnished = []
    for firm in firms:
        copy = replace(firm, items=[])
        for role in RESOURCES["feedbackId"].creators:
            create_item(planted_api, copy, "feedbackId", copy.member_with_role(role))
        furnished.append(copy)
    return furnished[0], furnished[1]


def defects(*chosen: Defect) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("planted", [set(chosen)], indirect=True, ids=[", ".join(chosen) or "none"])


# --- fuzz -------------------------------------------------------------------------------------


@defects(Defect.CRASH_ON_REAL_ID)
def test_the_fuzz_run_finds_a_500_that_only_a_real_id_reaches(
    planted: PlantedApi, tenants: tuple[Firm, Firm]
) -> None:
    firm, _ = tenants
    schema = load_schema(planted.spec.document)
    # Given a route that fails only for ids that exist: generated ids alone never reach it
    fuzz_operation(
        schema,
        "GET /feedback/{feedbackId}",
        base_url=planted.base_url,
        member=firm.owner,
        real_ids={},
        examples=EXAMPLES,
    )
    # When the fuzz run mixes in the firm's real ids, Then it fails on the 500
    with pytest.raises(FuzzFailure, match="answered 500"):
        fuzz_operation(
            schema,
            "GET /feedback/{feedbackId}",
            base_url=planted.base_url,
            member=firm.owner,
            real_ids=firm.parameters(),
            examples=EXAMPLES,
        )


@defects()
def test_the_fuzz_run_passes_the_planted_routes_without_a_defect(
    planted: PlantedApi, tenants: tuple[Firm, Firm]
) -> None:
    firm, _ = tenants
    schema = load_schema(planted.spec.document)
    for label in ("GET /feedback/{feedbackId}", "PUT /feedback/{feedbackId}"):
        fuzz_operation(
            schema,
            label,
            base_url=planted.base_url,
            member=firm.owner,
            real_ids=firm.parameters(),
            examples=EXAMPLES,
        )


# --- hostile shapes ---------------------------------------------------------------------------


def _hostile(planted: PlantedApi, api: httpx.Client, firm: Firm, shape_name: str) -> None:
    operation = planted.spec.operation("PUT /feedback/{feedbackId}")
    shape = hostile.shape_named(operation, shape_name)
    firm.owner.renew()
    response = hostile.send(api, operation, shape, firm.owner.headers, firm.parameters())
    hostile.check(operation, shape, response)


@defects(Defect.CRASH_ON_NULL)
def test_the_hostile_pass_finds_a_500_on_a_null_field(
    planted: PlantedApi, planted_api: httpx.Client, tenants: tuple[Firm, Firm]
) -> None:
    firm, _ = tenants
    with pytest.raises(AssertionError, match="→ 500"):
        _hostile(planted, planted_api, firm, "null rating")


@defects()
def test_the_hostile_pass_accepts_a_null_the_route_handles(
    planted: PlantedApi, planted_api: httpx.Client, tenants: tuple[Firm, Firm]
) -> None:
    firm, _ = tenants
    _hostile(planted, planted_api, firm, "null rating")


# --- isolation --------------------------------------------------------------------------------


def _feed(planted: PlantedApi, table: TableChanges) -> Feeds:
    """The planted API's writes: its planted group's log and the real groups' table."""
    return Feeds(planted.written, table)


@defects(Defect.LEAKY_LIST)
def test_the_isolation_suite_finds_a_list_that_leaks_another_tenants_item(
    planted: PlantedApi, planted_api: httpx.Client, tenants: tuple[Firm, Firm]
) -> None:
    victim, intruder = tenants
    operation = planted.spec.operation("GET /feedback")
    with pytest.raises(AssertionError, match=f"shows {victim.name}'s"):
        isolation.check_reads_stay_in_the_tenant(planted_api, operation, victim, intruder)


@defects(Defect.CROSS_TENANT_PUT)
def test_the_isolation_suite_finds_a_put_that_changes_another_tenants_item(
    planted: PlantedApi, planted_api: httpx.Client, changes: TableChanges, tenants: tuple[Firm, Firm]
) -> None:
    victim, intruder = tenants
    operation = planted.spec.operation("PUT /feedback/{feedbackId}")
    # (the planted PUT answers the intruder 404, as the real one does: only the item tells)
    with pytest.raises(AssertionError, match="changed another's data"):
        isolation.check_foreign_ids(planted_api, _feed(planted, changes), operation, victim, intruder, {})


@defects()
def test_the_isolation_suite_passes_the_planted_routes_without_a_defect(
    planted: PlantedApi, planted_api: httpx.Client, changes: TableChanges, tenants: tuple[Firm, Firm]
) -> None:
    victim, intruder = tenants
    spec = planted.spec
    isolation.check_reads_stay_in_the_tenant(planted_api, spec.operation("GET /feedback"), victim, intruder)
    feed = _feed(planted, changes)
    for label in ("GET /feedback/{feedbackId}", "PUT /feedback/{feedbackId}"):
        isolation.check_foreign_ids(planted_api, feed, spec.operation(label), victim, intruder, {})
        isolation.check_own_ids_work(planted_api, spec.operation(label), victim, {})


def test_the_change_feed_sees_every_write_of_the_firm_and_of_no_other(
    harness_api: httpx.Client, changes: TableChanges, firms: tuple[Firm, Firm]
) -> None:
    """The real suite's feed: a write of the victim firm's data is reported to the victim's checks
    and not to the intruder's, and so is what an event's consumer writes after the answer."""
    victim, intruder = firms
    [feedback_id, *_] = [
        item.id for item in victim.items if item.parameter == "feedbackId" and item.by is victim.owner
    ]
    # Given a mark, When alder's owner changes their feedback
    changes.mark()
    edited = harness_api.put(f"/feedback/{feedback_id}", json={"rating": 5}, headers=victim.owner.headers)
    assert edited.status_code == 200, edited.text
    # Then the feed reports it as alder's, with what changed, and nothing of birch's
    seen = changes.changes(victim)
    assert any(feedback_id in change and "rating" in change for change in seen), seen
    assert changes.changes(intruder) == []
    # And a write made later by a queue's consumer (the exporter preparing a data export) is in
    # the window too: the feed waits for the emulator to settle
    changes.mark()
    asked = harness_api.get(
        "/users/me/download-data", headers={**victim.owner.headers, "Prefer": "respond-async"}
    )
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["data"]["id"]
    prepared = [change for change in changes.changes(victim) if export_id in change and "done" in change]
    assert prepared, changes.changes(victim)
