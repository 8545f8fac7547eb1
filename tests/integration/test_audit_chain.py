"""Audit entries on moto: complete (actor and kind, resource, changes, origin), and one hash chain per
organization that concurrent writers extend without forking it or skipping a number."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pynamodb.attributes import UnicodeAttribute

from docket.data import audit
from docket.data.audit import ActorKind, AuditContext, AuditEntry
from docket.data.models import TenantItem, org_key
from docket.data.transactions import transaction
from docket.errors import Conflict
from docket.ids import new_id
from docket.security.principal import Origin, Principal
from docket.settings import Settings
from tests.integration.support import call

#: the trail is read back by index and by day: no midnight falls within a test
pytestmark = pytest.mark.usefixtures("frozen")

ORG = "org_A"
ALICE = Principal(user_id="usr_alice", org_id=ORG, permissions=("feedback:*",))


class Matter(TenantItem, discriminator="test_audited_matter"):
    title = UnicodeAttribute()

    def keys(self) -> dict[str, str | None]:
        return {"pk": f"{org_key(self.org_id)}#MATTER#{self.id}", "sk": "META"}


def trail(org_id: str = ORG) -> list[AuditEntry]:
    """The organization's entries in chain order (GSI2, oldest first)."""
    found = AuditEntry.gsi2.query(audit.trail_partition(org_id))
    return [e for e in found if isinstance(e, AuditEntry)]


def assert_chained(entries: list[AuditEntry]) -> None:
    assert [int(e.sequence) for e in entries] == list(range(1, len(entries) + 1))
    previous = audit.GENESIS_HASH
    for entry in entries:
        assert entry.previous_hash == previous
        assert entry.hash == audit.hash_of(entry)
        previous = entry.hash
    head = audit.read_head(entries[0].org_id)
    assert head is not None
    assert (int(head.sequence), head.hash) == (len(entries), previous)


def create(title: str, principal: Principal = ALICE) -> Matter:
    matter = Matter(id=new_id("mat"), org_id=principal.org_id, title=title)
    with transaction(principal) as tx:
        tx.save(matter, condition=Matter.pk.does_not_exist())
        tx.audit("matter.created", matter, {"after": {"title": title}})
    return matter


def test_an_entry_through_the_api_names_its_actor_resource_changes_and_origin(aws: Settings) -> None:
    # Given a user who submits feedback from a browser, then changes its rating
    headers = {"User-Agent": "Mozilla/5.0 (Macintosh) Safari/17"}
    created = call(
        "helpdesk",
        "POST",
        "/v1/feedback",
        principal=ALICE,
        body={"feature": "Billing", "rating": 4},
        headers=headers,
        source_ip="198.51.100.23",
    )
    feedback_id = created.data["id"]
    updated = call(
        "helpdesk", "PUT", f"/v1/feedback/{feedback_id}", principal=ALICE, body={"rating": 2}, headers=headers
    )
    assert updated.status == 200

    # Then each write has its entry: who (and what kind of caller), what, on which resource, the
    # change before and after, and the request it came in (id, address, User-Agent)
    first, second = trail()
    assert (first.action, first.entity_type, first.entity_id) == ("feedback.created", "feedback", feedback_id)
    assert (second.action, second.changes) == (
        "feedback.updated",
        {"before": {"rating": 4}, "after": {"rating": 2}},
    )
    assert {(e.actor_id, e.actor_kind) for e in (first, second)} == {("usr_alice", "user")}
    assert (first.ip, first.user_agent) == ("198.51.100.23", "Mozilla/5.0 (Macintosh) Safari/17")
    assert first.request_id == created.headers["X-Request-Id"]
    assert second.request_id == updated.headers["X-Request-Id"] != first.request_id
    assert_chained([first, second])


def test_actor_kinds_tell_users_api_keys_platform_admins_and_the_system_apart() -> None:
    key = Principal(user_id="key_01", org_id=ORG, permissions=("*",), auth_method="api_key")
    admin = Principal(user_id="usr_root", org_id="", permissions=("platform:users",))
    assert audit.AuditContext.of(ALICE).actor_kind is ActorKind.USER
    assert audit.AuditContext.of(key).actor_kind is ActorKind.API_KEY
    assert audit.AuditContext.of(admin).actor_kind is ActorKind.PLATFORM_ADMIN
    assert audit.AuditContext.of(None) == audit.SYSTEM


def test_entries_chain_per_organization_and_a_transaction_may_hold_several(aws: Settings) -> None:
    # Given writes in two organizations, one of them auditing two resources at once
    create("first")
    other = create("elsewhere", Principal(user_id="usr_bob", org_id="org_B"))
    one, two = (
        Matter(id=new_id("mat"), org_id=ORG, title="one"),
        Matter(id=new_id("mat"), org_id=ORG, title="two"),
    )
    with transaction(ALICE) as tx:
        for matter in (one, two):
            tx.save(matter)
            tx.audit("matter.created", matter)

    # Then each organization has its own chain, numbered from 1 without gaps, in time order
    ours = trail()
    assert [e.entity_id for e in ours][1:] == [one.id, two.id]
    assert_chained(ours)
    assert [e.entity_id for e in trail("org_B")] == [other.id]
    assert_chained(trail("org_B"))
    assert [e.created_at for e in ours] == sorted({e.created_at for e in ours})  # strictly increasing
    # And an entry is found from its id alone (its id carries its time: one GetItem)
    found = audit.find(ORG, ours[1].id)
    assert found is not None
    assert found.hash == ours[1].hash
    assert audit.find("org_B", ours[1].id) is None


def test_a_writer_that_lost_the_race_for_the_head_retries_with_its_own_writes_once(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a trail with one entry, and a writer that reads the head just as another writer commits
    create("first")
    real_seal = audit.seal
    raced: list[Matter] = []
    seals = 0

    def seal_then_lose(pending: Any) -> audit.Seal:
        nonlocal seals
        seals += 1
        sealed = real_seal(pending)
        if seals == 1:  # the other writer commits between our read of the head and our write
            raced.append(create("the other writer's"))
        return sealed

    monkeypatch.setattr(audit, "seal", seal_then_lose)

    # When the first writer commits
    ours = create("ours")

    # Then its transaction was cancelled whole and committed again on the new head: its matter is
    # written once (version 1), its entry follows the other writer's, and the chain has no fork
    assert seals == 3  # ours, the other writer's, ours again
    assert Matter.get(ours.pk, "META", consistent_read=True).version == 1
    entries = trail()
    assert [e.entity_id for e in entries][1:] == [raced[0].id, ours.id]
    assert_chained(entries)


def test_concurrent_writers_extend_one_chain_without_gaps_or_forks(aws: Settings) -> None:
    errors: list[Exception] = []

    def worker(index: int) -> None:
        try:
            for round_ in range(3):
                create(f"writer {index} round {round_}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_chained(trail())
    assert len(trail()) == 12


def test_a_callers_own_failed_condition_is_still_a_conflict_and_writes_nothing(aws: Settings) -> None:
    existing = create("first")
    duplicate = Matter(id=existing.id, org_id=ORG, title="dup")

    def write_duplicate() -> None:
        with transaction(ALICE) as tx:
            tx.save(duplicate, condition=Matter.pk.does_not_exist())
            tx.audit("matter.created", duplicate)

    with pytest.raises(Conflict):
        write_duplicate()
    assert len(trail()) == 1
    assert_chained(trail())


def test_an_entry_on_its_own_joins_the_chain_with_its_context(aws: Settings) -> None:
    # Given a change audited in a transaction, then a sign-in audited on its own
    create("first")
    origin = Origin(request_id="req-42", ip="192.0.2.1", user_agent="curl/8")
    audit.record(
        org_id=ORG,
        action="auth.login",
        entity_type="user",
        entity_id="usr_alice",
        changes={"method": "password"},
        context=AuditContext.user("usr_alice", origin),
    )
    # Then both are in one chain, the sign-in with its origin
    first, login = trail()
    assert (login.action, login.request_id, login.ip, login.user_agent) == (
        "auth.login",
        "req-42",
        "192.0.2.1",
        "curl/8",
    )
    assert_chained([first, login])
