"""Cases with their activities and teams, behind ethical walls, over the cases Lambda, in process
on moto (issue 9)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from docket.identity.accounts import Membership
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call

CASE_PERMISSIONS = (
    "cases:read",
    "cases:write",
    "cases:delete",
    "clients:read",
    "clients:write",
    "clients:delete",
    # case-linked resources, for the wall test (tests/integration/case_linked.py)
    "tasks:read",
    "tasks:write",
    "tasks:delete",
    "calendar:read",
    "calendar:write",
)
OWNER = Principal(user_id="usr_owner", org_id="org_A", roles=("owner",), permissions=("*",))
ALICE = Principal(
    user_id="usr_alice", org_id="org_A", roles=("attorney",), permissions=(*CASE_PERMISSIONS, "walls:manage")
)
BOB = Principal(user_id="usr_bob", org_id="org_A", roles=("attorney",), permissions=CASE_PERMISSIONS)
READER = Principal(
    user_id="usr_reader",
    org_id="org_A",
    permissions=("cases:read", "clients:read", "tasks:read", "calendar:read"),
)
MALLORY = Principal(user_id="usr_mallory", org_id="org_B", roles=("owner",), permissions=("*",))

SEED_CASE = {
    "title": "Contract Dispute",
    "description": "Contract dispute between parties",
    "assignedTo": "usr_alice",
    "priority": "high",
    "estimatedHours": 40,
    "billingRate": 500,
    "tags": ["contract", "dispute", "commercial"],
}


def enroll(org_id: str, user_id: str, status: str = "active") -> None:
    Membership(
        pk=f"ORG#{org_id}#MEMBER#{user_id}",
        sk="META",
        id=user_id,
        org_id=org_id,
        user_id=user_id,
        roles=["attorney"],
        status=status,
        joined_at="2026-01-01T00:00:00.000Z",
    ).save()


@pytest.fixture
def firm(aws: Settings) -> Settings:
    for user in ("usr_owner", "usr_alice", "usr_bob", "usr_reader"):
        enroll("org_A", user)
    enroll("org_B", "usr_mallory")
    return aws


def new_client(name: str = "ABC Corporation", principal: Principal = ALICE) -> str:
    reply = call("clients", "POST", "/v1/clients", principal=principal, body={"name": name})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def create(client_id: str, principal: Principal = ALICE, **fields: Any) -> Reply:
    body = {**SEED_CASE, "clientId": client_id, **fields}
    return call("cases", "POST", "/v1/cases", principal=principal, body=body)


def new_case(client_id: str, principal: Principal = ALICE, **fields: Any) -> str:
    reply = create(client_id, principal, **fields)
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def listing(principal: Principal = ALICE, **query: str) -> Reply:
    return call("cases", "GET", "/v1/cases", principal=principal, query=query)


def ids(reply: Reply, key: str = "cases") -> list[str]:
    assert reply.status == 200, reply.body
    return [c["id"] for c in reply.data[key]]


def items_of_type(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def put(path: str, body: Any, principal: Principal = ALICE, **headers: str) -> Reply:
    return call("cases", "PUT", f"/v1{path}", principal=principal, body=body, headers=headers)


def get(path: str, principal: Principal = ALICE, **query: str) -> Reply:
    return call("cases", "GET", f"/v1{path}", principal=principal, query=query)


# --- create, read, update, delete -----------------------------------------------------------------


def test_seed_000_create_numbers_the_case_and_answers_every_field(firm: Settings) -> None:
    client_id = new_client()
    # When seed 000's case is created twice
    first = create(client_id)
    second = create(client_id, title="Second matter")
    # Then each is numbered from the firm's yearly counter, with seed 000's fields in camelCase
    assert first.status == 201, first.body
    data = first.data
    year = data["createdAt"][:4]
    assert data["caseNumber"] == f"CASE-{year}-001"
    assert second.data["caseNumber"] == f"CASE-{year}-002"
    assert (data["title"], data["status"], data["priority"]) == ("Contract Dispute", "open", "high")
    assert (data["clientId"], data["assignedTo"]) == (client_id, "usr_alice")
    assert (data["estimatedHours"], data["actualHours"], data["billingRate"], data["totalBilled"]) == (
        40,
        0,
        500,
        0,
    )
    assert data["tags"] == ["contract", "dispute", "commercial"]
    assert first.headers["ETag"] == '"v1"'
    assert first.headers["Location"] == f"/v1/cases/{data['id']}"
    audits = [a["action"] for a in items_of_type(firm, "audit")]
    assert audits.count("case.created") == 2
    # And the client now has open cases: deleting it is a 409
    refused = call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE)
    assert refused.status == 409
    assert "open case" in refused.error["message"]


def test_the_client_and_the_assignee_must_be_the_firms(firm: Settings) -> None:
    client_id = new_client()
    other_firms = new_client(principal=MALLORY)
    enroll("org_A", "usr_gone", status="revoked")
    cases = [
        (create(other_firms), "clientId"),
        (create("client_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"), "clientId"),
        (create(client_id, assignedTo="usr_mallory"), "assignedTo"),
        (create(client_id, assignedTo="usr_gone"), "assignedTo"),
    ]
    for reply, field in cases:
        assert reply.status == 400, reply.body
        assert [d["field"] for d in reply.error["details"]] == [field]
    # And nothing was written, not even a case number: the next case is the year's first
    assert items_of_type(firm, "case") == []
    assert create(client_id).data["caseNumber"].endswith("-001")


def test_bad_input_is_a_400_with_field_details_and_writes_nothing(firm: Settings) -> None:
    client_id = new_client()
    reply = create(client_id, priority="extreme", estimatedHours=-1, billingRate="500", surprise=True)
    assert reply.status == 400
    fields = {d["field"] for d in reply.error["details"]}
    assert {"priority", "estimatedHours", "billingRate", "surprise"} <= fields
    untitled = call("cases", "POST", "/v1/cases", principal=ALICE, body={"clientId": client_id})
    assert untitled.status == 400
    assert items_of_type(firm, "case") == []


def test_a_retried_create_with_its_idempotency_key_makes_one_case(firm: Settings) -> None:
    client_id = new_client()
    body = {**SEED_CASE, "clientId": client_id}
    headers = {"Idempotency-Key": "open-case-once"}
    first = call("cases", "POST", "/v1/cases", principal=ALICE, body=body, headers=headers)
    again = call("cases", "POST", "/v1/cases", principal=ALICE, body=body, headers=headers)
    assert first.status == again.status == 201
    assert again.data["id"] == first.data["id"]
    assert len(items_of_type(firm, "case")) == 1


def test_update_changes_the_sent_fields_and_a_no_op_keeps_the_version(firm: Settings) -> None:
    case_id = new_case(new_client())
    path = f"/cases/{case_id}"
    # When seed 000's update is sent with the current ETag
    changed = put(
        path,
        {
            "title": "Updated Contract Dispute",
            "description": "Updated description",
            "status": "in_progress",
            "priority": "medium",
            "assignedTo": "usr_bob",
        },
        **{"If-Match": '"v1"'},
    )
    # Then those fields change and the version moves
    assert changed.status == 200, changed.body
    assert (changed.data["title"], changed.data["status"], changed.data["assignedTo"]) == (
        "Updated Contract Dispute",
        "in_progress",
        "usr_bob",
    )
    assert changed.headers["ETag"] == '"v2"'
    # And the same update again writes nothing
    audits = len(items_of_type(firm, "audit"))
    same = put(path, {"status": "in_progress", "priority": "medium"})
    assert same.headers["ETag"] == '"v2"'
    assert len(items_of_type(firm, "audit")) == audits
    # And a stale If-Match is a 412 that changes nothing
    stale = put(path, {"title": "Stale"}, **{"If-Match": '"v1"'})
    assert stale.status == 412
    assert get(path).data["title"] == "Updated Contract Dispute"
    # And the client may not be moved by an update (an unknown field)
    assert put(path, {"clientId": new_client("Other")}).status == 400


def test_closing_a_case_frees_the_client_and_reopening_takes_it_again(firm: Settings) -> None:
    client_id = new_client()
    case_id = new_case(client_id)
    assert put(f"/cases/{case_id}", {"status": "closed"}).status == 200
    # Then the client has no open case: a reopened case blocks its delete again
    assert put(f"/cases/{case_id}", {"status": "open"}).status == 200
    assert call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE).status == 409
    assert put(f"/cases/{case_id}", {"status": "closed"}).status == 200
    assert call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE).status == 200


def test_delete_is_soft_keeps_history_and_frees_the_client(firm: Settings) -> None:
    client_id = new_client()
    case_id = new_case(client_id)
    logged = call(
        "cases",
        "POST",
        f"/v1/cases/{case_id}/activities",
        principal=ALICE,
        body={"type": "note", "description": "Kept"},
    )
    assert logged.status == 201
    deleted = call("cases", "DELETE", f"/v1/cases/{case_id}", principal=ALICE)
    assert deleted.status == 200, deleted.body
    assert get(f"/cases/{case_id}").status == 404
    assert get(f"/cases/{case_id}/activities").status == 404
    assert ids(listing()) == []
    assert ids(listing(search="contract")) == []
    [stored] = items_of_type(firm, "case")
    assert stored["deleted_at"]
    assert len(items_of_type(firm, "case_activity")) == 1
    assert [a["action"] for a in items_of_type(firm, "audit")].count("case.deleted") == 1
    assert call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE).status == 200


def test_permissions_and_tenants_are_checked(firm: Settings) -> None:
    case_id = new_case(new_client())
    path = f"/v1/cases/{case_id}"
    assert create(new_client(), principal=READER).status == 403
    assert call("cases", "PUT", path, principal=READER, body={"title": "X"}).status == 403
    assert call("cases", "DELETE", path, principal=READER).status == 403
    for method, route, body in (
        ("GET", path, None),
        ("PUT", path, {"title": "Mine"}),
        ("DELETE", path, None),
        ("GET", f"{path}/activities", None),
        ("POST", f"{path}/activities", {"type": "note", "description": "x"}),
        ("GET", f"{path}/team", None),
        ("PUT", f"{path}/team", {"members": ["usr_mallory"]}),
    ):
        reply = call("cases", method, route, principal=MALLORY, body=body)
        assert reply.status == 404, (method, route, reply.body)


# --- activities ------------------------------------------------------------------------------------


def log(case_id: str, principal: Principal = ALICE, **body: Any) -> Reply:
    return call("cases", "POST", f"/v1/cases/{case_id}/activities", principal=principal, body=body)


def test_billable_time_adds_to_the_actual_hours_and_the_case_shows_its_recent_activities(
    firm: Settings,
) -> None:
    case_id = new_case(new_client())
    # When seed 000's activity is logged (billable time), then a call that is not billable
    seed = log(case_id, type="note", description="Case activity description", timeSpent=2.5, billable=True)
    assert seed.status == 201, seed.body
    assert seed.data["timeSpent"] == 2.5
    assert seed.data["createdBy"] == "usr_alice"
    assert (
        log(case_id, type="call", description="Called the client", timeSpent=1, billable=False).status == 201
    )
    for kind in ("email", "meeting", "time"):
        assert log(case_id, type=kind, description=f"A {kind}").status == 201
    # Then only the billable time counts in the case's actual hours (its version moved once)
    case = get(f"/cases/{case_id}")
    assert case.status == 200, case.body
    assert case.data["actualHours"] == 2.5
    assert case.headers["ETag"] == '"v2"'
    # And the case answers its activities, newest first
    types = [a["type"] for a in case.data["activities"]]
    assert types == ["time", "meeting", "email", "call", "note"]
    assert case.data["activities"][-1]["description"] == "Case activity description"
    listed = get(f"/cases/{case_id}/activities", limit="2")
    assert [a["type"] for a in listed.data["activities"]] == ["time", "meeting"]
    rest = get(f"/cases/{case_id}/activities", cursor=listed.data["pagination"]["nextCursor"], limit="10")
    assert [a["type"] for a in rest.data["activities"]] == ["email", "call", "note"]


def test_an_activity_with_bad_input_is_a_400_and_logs_nothing(firm: Settings) -> None:
    case_id = new_case(new_client())
    reply = log(case_id, type="telepathy", description="", timeSpent=-2, billable="yes")
    assert reply.status == 400
    assert {"type", "description", "timeSpent", "billable"} <= {d["field"] for d in reply.error["details"]}
    assert items_of_type(firm, "case_activity") == []
    assert log("case_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T", type="note", description="x").status == 404


def test_the_case_shows_only_its_ten_most_recent_activities(firm: Settings) -> None:
    case_id = new_case(new_client())
    for number in range(12):
        assert log(case_id, type="note", description=f"Note {number}").status == 201
    case = get(f"/cases/{case_id}")
    assert [a["description"] for a in case.data["activities"]] == [f"Note {n}" for n in range(11, 1, -1)]
    assert len(get(f"/cases/{case_id}/activities", limit="100").data["activities"]) == 12


# --- lists -------------------------------------------------------------------------------------------


def test_lists_filter_sort_and_page(firm: Settings, frozen: Any) -> None:
    acme, beta = new_client("Acme"), new_client("Beta")
    march = new_case(acme, title="Alpha lease", priority="low")
    frozen.forward(days=31)
    april = new_case(beta, title="Bravo merger", priority="urgent", assignedTo="usr_bob")
    frozen.forward(days=30)
    may = new_case(acme, title="Charlie tax", priority="medium")
    frozen.forward(seconds=1)
    put(f"/cases/{march}", {"status": "pending"})
    opened = {case_id: get(f"/cases/{case_id}").data["createdAt"] for case_id in (march, april, may)}
    # Then each filter and sort of seed 000 answers what it says
    assert ids(listing()) == [may, april, march]
    assert ids(listing(sortOrder="asc")) == [march, april, may]
    assert ids(listing(sortBy="title", sortOrder="asc")) == [march, april, may]
    assert ids(listing(sortBy="priority")) == [april, may, march]
    assert ids(listing(sortBy="updatedAt")) == [march, may, april]
    assert ids(listing(status="pending")) == [march]
    assert ids(listing(priority="urgent")) == [april]
    assert ids(listing(clientId=acme)) == [may, march]
    assert ids(listing(assignedTo="usr_bob")) == [april]
    # dates alone are whole days; a date-time is a moment
    assert ids(listing(dateFrom=opened[march][:10], dateTo=opened[april][:10])) == [april, march]
    assert ids(listing(dateTo=opened[march][:10])) == [march]
    assert ids(listing(dateFrom=opened[april])) == [may, april]
    # And page numbers count what the filter holds
    paged = listing(page="1", limit="2")
    assert ids(paged) == [may, april]
    assert (paged.data["pagination"]["total"], paged.data["pagination"]["pages"]) == (3, 2)
    assert listing(status="pending", page="1").data["pagination"]["total"] == 1
    # And bad parameters are a 400 with the field
    for query, field in (
        ({"sortBy": "colour"}, "sortBy"),
        ({"status": "lost"}, "status"),
        ({"dateFrom": "yesterday!"}, "dateFrom"),
        ({"limit": "101"}, "limit"),
    ):
        reply = listing(**query)
        assert reply.status == 400, (query, reply.body)
        assert field in {d["field"] for d in reply.error["details"]}


def test_search_by_title_words_and_case_number(firm: Settings) -> None:
    client_id = new_client()
    lease = new_case(client_id, title="Warehouse lease dispute")
    merger = new_case(client_id, title="Merger review")
    number = get(f"/cases/{merger}").data["caseNumber"]
    assert ids(listing(search="wareh")) == [lease]
    assert ids(listing(search="lease disp")) == [lease]
    assert ids(listing(search=number)) == [merger]
    assert ids(listing(search="review", priority="low")) == []
    # And the index follows a rename
    put(f"/cases/{lease}", {"title": "Office tenancy"})
    assert ids(listing(search="lease")) == []
    assert ids(listing(search="tenancy")) == [lease]


def test_a_clients_cases_are_listed_with_the_lists_filters(firm: Settings) -> None:
    acme, beta = new_client("Acme"), new_client("Beta")
    first = new_case(acme, priority="low")
    second = new_case(acme, priority="high")
    new_case(beta)
    # When seed 000's GET /clients/{clientId}/cases is called
    reply = call("clients", "GET", f"/v1/clients/{acme}/cases", principal=ALICE)
    # Then the client's cases alone, newest first
    assert ids(reply) == [second, first]
    filtered = call("clients", "GET", f"/v1/clients/{acme}/cases", principal=ALICE, query={"priority": "low"})
    assert ids(filtered) == [first]
    # And another firm's client, or one that is not there, is a 404
    assert call("clients", "GET", f"/v1/clients/{acme}/cases", principal=MALLORY).status == 404
    unknown = "/v1/clients/client_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T/cases"
    assert call("clients", "GET", unknown, principal=ALICE).status == 404


# --- what a request costs ------------------------------------------------------------------------


def test_a_case_with_its_activities_is_one_query_and_a_list_page_one(
    firm: Settings, dynamodb_calls: list[str]
) -> None:
    client_id = new_client()
    case_id = new_case(client_id)
    for number in range(12):
        log(case_id, type="note", description=f"Note {number}")
    for number in range(25):
        new_case(client_id, title=f"Matter {number}")
    costs = {
        # an owner sees every case: no walls read
        "get, owner": (OWNER, f"/cases/{case_id}", {}, ["Query"]),
        # a member: the case's own team decides, still one call
        "get, member": (BOB, f"/cases/{case_id}", {}, ["Query"]),
        "list, owner": (OWNER, "/cases", {}, ["Query"]),
        # a member's list reads the firm's walls item once
        "list, member": (BOB, "/cases", {}, ["GetItem", "Query"]),
        "list by priority, page 2, with total": (
            OWNER,
            "/cases",
            {"sortBy": "priority", "page": "2"},
            ["Query", "GetItem"],
        ),
        "list of a client": (OWNER, "/cases", {"clientId": client_id}, ["Query"]),
        "search": (OWNER, "/cases", {"search": "matter"}, ["Query", "BatchGetItem"]),
        "activities": (OWNER, f"/cases/{case_id}/activities", {}, ["GetItem", "Query"]),
    }
    for name, (principal, path, query, expected) in costs.items():
        dynamodb_calls.clear()
        reply = get(path, principal, **query)
        assert reply.status == 200, (name, reply.body)
        assert dynamodb_calls == expected, name
    # And a write is one transaction (after the reads it is checked against)
    dynamodb_calls.clear()
    assert create(client_id).status == 201
    assert dynamodb_calls.count("TransactWriteItems") == 1
    assert "Scan" not in dynamodb_calls


# --- the guards hold in the transaction, not only in the read before it -------------------------


def test_a_deleted_client_takes_no_new_case(firm: Settings) -> None:
    client_id = new_client("Gone LLP")
    assert call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE).status == 200
    reply = create(client_id)
    assert reply.status == 400
    assert [d["field"] for d in reply.error["details"]] == ["clientId"]
    assert items_of_type(firm, "case") == []


def test_an_activity_on_a_case_deleted_after_its_read_is_a_404_and_logs_nothing(
    firm: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket.cases import service

    case_id = new_case(new_client())
    # Given the activity's read of the case happened before the case was deleted
    seen = service.get(ALICE, case_id)
    assert call("cases", "DELETE", f"/v1/cases/{case_id}", principal=ALICE).status == 200
    monkeypatch.setattr(service, "get", lambda principal, wanted: seen)
    # When a note (no hours: the activity's own transaction checks the case) is logged
    reply = log(case_id, type="note", description="Too late")
    # Then it is refused as the case not found, and nothing is logged
    assert reply.status == 404, reply.body
    assert items_of_type(firm, "case_activity") == []


def test_a_stale_if_match_on_delete_is_a_412_and_deletes_nothing(firm: Settings) -> None:
    case_id = new_case(new_client())
    path = f"/v1/cases/{case_id}"
    assert put(f"/cases/{case_id}", {"title": "Renamed"}).status == 200
    stale = call("cases", "DELETE", path, principal=ALICE, headers={"If-Match": '"v1"'})
    assert stale.status == 412
    assert get(f"/cases/{case_id}").status == 200
    assert call("cases", "DELETE", path, principal=ALICE, headers={"If-Match": '"v2"'}).status == 200
