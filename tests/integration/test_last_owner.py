"""The last active owner of a firm can never be demoted, suspended, revoked or removed — not even by two
administrators acting at the same moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from docket.members import memberships
from docket.settings import Settings
from tests.integration.firm_support import add_member, register
from tests.integration.support import Reply, call
from tests.members import make_member


def put(by: Any, user_id: str, body: dict[str, Any]) -> Reply:
    return call("directory", "PUT", f"/users/{user_id}", principal=by, body=body)


def assert_last_owner(reply: Reply) -> None:
    assert reply.status == 409, reply.body
    assert reply.error["details"] == {"reason": "last_owner"}
    assert "at least one active owner" in reply.error["message"]


def test_the_only_owner_cannot_step_down_in_any_way(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    assert_last_owner(put(owner.principal, owner.user_id, {"role": "admin"}))
    assert_last_owner(put(owner.principal, owner.user_id, {"status": "inactive"}))
    assert_last_owner(call("directory", "DELETE", f"/users/{owner.user_id}", principal=owner.principal))
    found = call("directory", "GET", f"/users/{owner.user_id}", principal=owner.principal)
    assert (found.data["role"], found.data["status"], found.headers["ETag"]) == ("owner", "active", '"v1"')
    assert memberships.active_owners(org_id) == 1


def test_an_owner_steps_down_once_another_owner_is_there(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    partner = add_member(owner.principal, "partner@acme.example", "owner")
    assert memberships.active_owners(org_id) == 2
    assert put(owner.principal, owner.user_id, {"role": "admin"}).status == 200
    # now the partner is the last one
    assert_last_owner(put(partner.principal, partner.user_id, {"role": "attorney"}))
    assert memberships.active_owners(org_id) == 1


def test_a_revoked_or_suspended_owner_is_no_owner_to_fall_back_on(aws: Settings) -> None:
    org_id, owner = register("owner@acme.example")
    partner = add_member(owner.principal, "partner@acme.example", "owner")
    revoked = call(
        "directory",
        "POST",
        f"/users/{partner.user_id}/revoke",
        principal=owner.principal,
        body={"reason": "left"},
    )
    assert revoked.status == 200, revoked.body
    assert memberships.active_owners(org_id) == 1
    assert_last_owner(put(owner.principal, owner.user_id, {"role": "admin"}))
    # reinstated, the partner counts again
    assert put(owner.principal, partner.user_id, {"status": "active"}).status == 200
    assert put(owner.principal, owner.user_id, {"role": "admin"}).status == 200


def test_two_owners_demoting_each_other_at_once_leave_one_owner(aws: Settings) -> None:
    org_id, first = register("owner@acme.example")
    second = add_member(first.principal, "partner@acme.example", "owner")
    replies: list[Reply] = []
    start = threading.Barrier(2)

    def demote(by: Any, target: str) -> None:
        start.wait()
        replies.append(put(by, target, {"role": "admin"}))

    threads = [
        threading.Thread(target=demote, args=(first.principal, second.user_id)),
        threading.Thread(target=demote, args=(second.principal, first.user_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status for r in replies) == [200, 409], [r.body for r in replies]
    listed = call("directory", "GET", "/users", principal=first.principal).data["users"]
    assert [m["role"] for m in listed].count("owner") == 1
    assert memberships.active_owners(org_id) == 1


@pytest.mark.parametrize("twice", [False, True])
def test_a_firm_whose_owners_were_never_counted_is_counted_from_its_members(
    aws: Settings, twice: bool
) -> None:
    # Given a firm whose owners joined before the count was kept (written as members directly)
    org_id = "org_01JAAAAAAAAAAAAAAAAAAAAAAA"
    make_member("usr_01JAAAAAAAAAAAAAAAAAAAAAA1", org_id, roles=("owner",))
    if twice:
        make_member("usr_01JAAAAAAAAAAAAAAAAAAAAAA2", org_id, roles=("owner",))
    # Then the count is what the members say
    assert memberships.active_owners(org_id) == (2 if twice else 1)


def test_the_count_is_checked_when_the_demotion_commits_not_only_when_it_is_read(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two owners, each about to demote the other, both having read "two active owners"
    org_id, first = register("owner@acme.example")
    second = add_member(first.principal, "partner@acme.example", "owner")
    assert put(first.principal, second.user_id, {"role": "admin"}).status == 200
    # When the second demotion commits on what it read before the first one committed
    monkeypatch.setattr(memberships, "active_owners", lambda _org: 2)
    late = put(second.principal, first.user_id, {"role": "admin"})
    # Then DynamoDB's condition refuses it: the firm keeps its owner
    assert_last_owner(late)
    monkeypatch.undo()
    assert memberships.active_owners(org_id) == 1
