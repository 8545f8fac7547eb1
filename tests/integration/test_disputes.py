"""Credit disputes over the tasks Lambda (seed 004's `/disputes`), in process on moto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from docket import clock
from docket.settings import Settings
from tests.integration.conftest import TimeTravel
from tests.integration.support import Reply, call
from tests.integration.tasks_support import ALICE, BOB, MALLORY, new_client


def create(principal: Any = ALICE, **fields: Any) -> Reply:
    return call("tasks", "POST", "/api/v1/disputes/", principal=principal, body=fields)


def move(dispute_id: str, **fields: Any) -> Reply:
    return call("tasks", "PUT", f"/v1/disputes/{dispute_id}", principal=ALICE, body=fields)


def items_of_type(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def new_dispute(client_id: str, **fields: Any) -> str:
    reply = create(title="Dispute late payment - Capital One", client_id=client_id, **fields)
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def test_seed_004_create_dispute_is_a_draft_for_a_client_of_the_firm(aws: Settings) -> None:
    client_id = new_client()
    # When seed 004's body is sent (with a real client id)
    reply = create(title="Dispute late payment - Capital One", client_id=client_id)
    # Then the dispute is a draft of that client, versioned and audited
    assert reply.status == 201, reply.body
    assert (reply.data["status"], reply.data["clientId"], reply.data["dueAt"]) == ("draft", client_id, None)
    assert reply.headers["ETag"] == '"v1"'
    # And another firm's client, a placeholder or a missing title is a 400 that writes nothing
    foreign = create(title="x", client_id=new_client(MALLORY))
    assert foreign.status == 400
    assert foreign.error["details"][0]["field"] == "clientId"
    assert create(title="Dispute", client_id="client-uuid").status == 400
    assert create(client_id=client_id).status == 400
    assert len(items_of_type(aws, "dispute")) == 1


def test_the_status_moves_one_step_at_a_time_each_move_audited_and_in_the_history(
    aws: Settings, frozen: TimeTravel
) -> None:
    dispute_id = new_dispute(
        new_client(), bureau="experian", account="Capital One ****1234", reason="Paid on time"
    )
    # When it is sent
    sent = move(dispute_id, status="sent", note="Mailed certified")
    # Then the bureau's 30 days start
    assert sent.status == 200, sent.body
    assert sent.data["sentAt"] == clock.iso()
    assert sent.data["dueAt"] == clock.iso(clock.now() + timedelta(days=30))
    # And skipping a step, going back, or resolving without an outcome is refused
    assert move(dispute_id, status="resolved", outcome="deleted").status == 409
    back = move(dispute_id, status="draft")
    assert back.status == 409
    assert back.error["code"] == "INVALID_TRANSITION"
    assert "next is investigating" in back.error["details"][0]["message"]
    assert move(dispute_id, outcome="deleted").status == 400
    assert move(dispute_id, status="investigating").status == 200
    no_outcome = move(dispute_id, status="resolved")
    assert no_outcome.status == 400
    assert no_outcome.error["details"][0]["field"] == "outcome"
    frozen.forward(days=12)
    resolved = move(dispute_id, status="resolved", outcome="deleted")
    assert resolved.status == 200, resolved.body
    assert (resolved.data["status"], resolved.data["outcome"]) == ("resolved", "deleted")
    assert resolved.data["resolvedAt"] == clock.iso()
    # And a resolved dispute stays resolved
    assert move(dispute_id, status="investigating").status == 409
    assert move(dispute_id, status="resolved", outcome="verified").status == 409
    # And each move is in the history (one Query with the dispute) and audited
    got = call("tasks", "GET", f"/v1/disputes/{dispute_id}", principal=ALICE)
    assert got.status == 200
    moves = [(h["fromStatus"], h["toStatus"], h["outcome"]) for h in got.data["history"]]
    assert moves == [
        ("draft", "sent", None),
        ("sent", "investigating", None),
        ("investigating", "resolved", "deleted"),
    ]
    assert got.data["history"][0]["note"] == "Mailed certified"
    audits = [i["action"] for i in items_of_type(aws, "audit")]
    assert audits.count("dispute.status_changed") == 3
    # And a refused move wrote nothing: three moves, three history items
    assert len(items_of_type(aws, "dispute_transition")) == 3


def test_edits_keep_the_status_and_a_noop_keeps_the_version(aws: Settings) -> None:
    dispute_id = new_dispute(new_client())
    edited = move(dispute_id, bureau="equifax", reason="Not my account")
    assert edited.status == 200
    assert edited.headers["ETag"] == '"v2"'
    same = move(dispute_id, bureau="equifax", status="draft")
    assert same.headers["ETag"] == '"v2"'
    assert items_of_type(aws, "dispute_transition") == []
    stale = call(
        "tasks",
        "PUT",
        f"/v1/disputes/{dispute_id}",
        principal=ALICE,
        body={"notes": "x"},
        headers={"If-Match": '"v1"'},
    )
    assert stale.status == 412


def test_list_by_client_status_and_bureau(aws: Settings) -> None:
    first_client, second_client = new_client(name="First Client"), new_client(name="Second Client")
    one = new_dispute(first_client, bureau="experian")
    two = new_dispute(second_client, bureau="equifax")
    three = new_dispute(first_client, bureau="equifax")
    move(three, status="sent")

    def ids(**query: str) -> list[str]:
        reply = call("tasks", "GET", "/api/v1/disputes/", principal=ALICE, query=query)
        assert reply.status == 200, reply.body
        return [d["id"] for d in reply.data["disputes"]]

    assert ids() == [three, two, one]
    assert ids(client_id=first_client) == [three, one]
    assert ids(status="draft") == [two, one]
    assert ids(bureau="equifax") == [three, two]
    assert ids(sort_order="asc", limit="2") == [one, two]
    assert call("tasks", "GET", "/v1/disputes", principal=ALICE, query={"status": "bogus"}).status == 400
    assert call("tasks", "GET", "/v1/disputes", principal=MALLORY).data["disputes"] == []


def test_only_a_draft_is_deleted(aws: Settings) -> None:
    client_id = new_client()
    draft, sent = new_dispute(client_id), new_dispute(client_id)
    move(sent, status="sent")
    assert call("tasks", "DELETE", f"/v1/disputes/{sent}", principal=ALICE).status == 409
    assert call("tasks", "DELETE", f"/v1/disputes/{draft}", principal=ALICE).status == 200
    assert call("tasks", "GET", f"/v1/disputes/{draft}", principal=ALICE).status == 404
    assert call("tasks", "GET", f"/v1/disputes/{sent}", principal=ALICE).status == 200


def test_permissions_and_tenants(aws: Settings) -> None:
    dispute_id = new_dispute(new_client())
    assert call("tasks", "GET", f"/v1/disputes/{dispute_id}", principal=BOB).status == 403
    assert call("tasks", "GET", f"/v1/disputes/{dispute_id}", principal=MALLORY).status == 404
    assert (
        call("tasks", "PUT", f"/v1/disputes/{dispute_id}", principal=MALLORY, body={"status": "sent"}).status
        == 404
    )
    assert call("tasks", "DELETE", f"/v1/disputes/{dispute_id}", principal=MALLORY).status == 404
    assert call("tasks", "GET", "/v1/disputes/dispute-uuid", principal=ALICE).status == 404
