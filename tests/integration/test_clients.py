"""Clients and pipeline stages over the clients Lambda, in process on moto (issue 9)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from docket.data.transactions import transaction
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call

ALICE = Principal(
    user_id="usr_alice",
    org_id="org_A",
    permissions=("clients:read", "clients:write", "clients:delete", "pipeline:manage"),
)
READER = Principal(user_id="usr_reader", org_id="org_A", permissions=("clients:read",))
MALLORY = Principal(user_id="usr_mallory", org_id="org_B", permissions=("clients:*", "pipeline:manage"))

ABC = {
    "name": "ABC Corporation",
    "email": "contact@abccorp.com",
    "phone": "+91-9876543210",
    "type": "corporate",
    "address": {
        "street": "456 Business Ave",
        "city": "Mumbai",
        "state": "Maharashtra",
        "zipCode": "400002",
        "country": "India",
    },
    "contactPerson": {"name": "John Smith", "email": "john@abccorp.com", "phone": "+91-9876543211"},
}


def create(principal: Principal = ALICE, base: str = "/v1", **fields: Any) -> Reply:
    body = fields or ABC
    return call("clients", "POST", f"{base}/clients", principal=principal, body=body)


def person(first: str, last: str, email: str | None = None, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": first, "last_name": last, **more}
    if email:
        body["email"] = email
    return body


def new_person(first: str, last: str, email: str | None = None, **more: Any) -> str:
    reply = call(
        "clients", "POST", "/api/v1/clients/", principal=ALICE, body=person(first, last, email, **more)
    )
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def listing(principal: Principal = ALICE, base: str = "/api/v1", **query: str) -> Reply:
    return call("clients", "GET", f"{base}/clients/", principal=principal, query=query)


def ids(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [c["id"] for c in reply.data["clients"]]


def items_of_type(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def new_stage(name: str, principal: Principal = ALICE) -> str:
    reply = call("clients", "POST", "/v1/pipeline/stages", principal=principal, body={"name": name})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


# --- create, read, update, delete -----------------------------------------------------------------


def test_seed_000_create_answers_the_client_with_etag_location_and_an_audit_entry(aws: Settings) -> None:
    # When a firm user creates seed 000's corporate client
    reply = create()
    # Then it is created with every field, in camelCase, versioned, located and audited
    assert reply.status == 201, reply.body
    data = reply.data
    assert data["id"].startswith("client_")
    assert (data["name"], data["type"], data["status"]) == ("ABC Corporation", "corporate", "active")
    assert data["address"]["zipCode"] == "400002"
    assert data["contactPerson"] == {
        "name": "John Smith",
        "email": "john@abccorp.com",
        "phone": "+91-9876543211",
    }
    assert data["tenantId"] == "org_A"
    assert reply.headers["ETag"] == '"v1"'
    assert reply.headers["Location"] == f"/v1/clients/{data['id']}"
    [audit] = items_of_type(aws, "audit")
    assert (audit["action"], audit["entity_id"]) == ("client.created", data["id"])
    fetched = call("clients", "GET", f"/v1/clients/{data['id']}", principal=READER)
    assert fetched.status == 200
    assert fetched.data == data


def test_seed_004_first_and_last_name_make_the_name(aws: Settings) -> None:
    # When seed 004's client sends snake_case first and last names
    reply = create(base="/api/v1", **person("John", "Doe", "john.doe@example.com", phone="+1-555-0123"))
    # Then the client is named by them and answers seed 004's fields too
    assert reply.status == 201, reply.body
    assert (reply.data["name"], reply.data["firstName"], reply.data["lastName"]) == (
        "John Doe",
        "John",
        "Doe",
    )
    assert reply.data["stageId"] is None
    assert reply.data["tenantId"] == "org_A"
    # And renaming the last name keeps the name in step
    path = f"/api/v1/clients/{reply.data['id']}"
    renamed = call("clients", "PUT", path, principal=ALICE, body={"last_name": "Dough"})
    assert renamed.data["name"] == "John Dough"


def test_a_retried_create_with_its_idempotency_key_makes_one_client(aws: Settings) -> None:
    # When a client is created twice with the same Idempotency-Key (a retry)
    headers = {"Idempotency-Key": "create-abc-once"}
    first = call("clients", "POST", "/v1/clients", principal=ALICE, body=ABC, headers=headers)
    again = call("clients", "POST", "/v1/clients", principal=ALICE, body=ABC, headers=headers)
    # Then the retry answers the first result and nothing more is written
    assert first.status == again.status == 201
    assert again.data["id"] == first.data["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(items_of_type(aws, "client")) == 1
    # And the key with another body is a 409
    other = call("clients", "POST", "/v1/clients", principal=ALICE, body={"name": "Other"}, headers=headers)
    assert other.status == 409


def test_bad_input_is_a_400_with_field_details_and_writes_nothing(aws: Settings) -> None:
    reply = create(email="not-an-email", type="alien", phone="12", surprise=True)
    assert reply.status == 400
    fields = {d["field"] for d in reply.error["details"]}
    assert {"email", "type", "phone", "surprise"} <= fields
    assert items_of_type(aws, "client") == []
    nameless = create(email="a@b.example")
    assert nameless.status == 400
    assert items_of_type(aws, "client") == []


def test_update_changes_the_sent_fields_merges_the_address_and_a_no_op_keeps_the_version(
    aws: Settings,
) -> None:
    created = create()
    path = f"/v1/clients/{created.data['id']}"
    # When the city and the status change
    first = call(
        "clients",
        "PUT",
        path,
        principal=ALICE,
        body={"address": {"city": "Pune"}, "status": "inactive"},
        headers={"If-Match": '"v1"'},
    )
    # Then only they change, and the version moves
    assert first.status == 200, first.body
    assert first.data["address"]["city"] == "Pune"
    assert first.data["address"]["street"] == "456 Business Ave"
    assert first.data["status"] == "inactive"
    assert first.headers["ETag"] == '"v2"'
    # And a PUT that changes nothing keeps the version and writes no audit entry
    audits = len(items_of_type(aws, "audit"))
    same = call(
        "clients", "PUT", path, principal=ALICE, body={"status": "inactive", "name": "ABC Corporation"}
    )
    assert same.status == 200
    assert same.headers["ETag"] == '"v2"'
    assert len(items_of_type(aws, "audit")) == audits
    # And a stale If-Match is a 412 that changes nothing
    stale = call("clients", "PUT", path, principal=ALICE, body={"name": "X"}, headers={"If-Match": '"v1"'})
    assert stale.status == 412
    assert call("clients", "GET", path, principal=ALICE).data["name"] == "ABC Corporation"


def test_another_tenants_client_is_not_found_on_every_id_route(aws: Settings) -> None:
    created = create()
    path = f"/v1/clients/{created.data['id']}"
    for method, body in (("GET", None), ("PUT", {"name": "Mine"}), ("DELETE", None)):
        reply = call("clients", method, path, principal=MALLORY, body=body)
        assert reply.status == 404, (method, reply.body)
    assert call("clients", "GET", path, principal=ALICE).data["name"] == "ABC Corporation"


def test_permissions_are_checked(aws: Settings) -> None:
    created = create()
    path = f"/v1/clients/{created.data['id']}"
    assert create(principal=READER).status == 403
    assert call("clients", "PUT", path, principal=READER, body={"name": "X"}).status == 403
    assert call("clients", "DELETE", path, principal=READER).status == 403
    assert call("clients", "POST", "/v1/pipeline/stages", principal=READER, body={"name": "S"}).status == 403


def test_delete_is_soft_removes_it_from_lists_and_search_and_is_audited(aws: Settings) -> None:
    client_id = new_person("John", "Doe", "john.doe@example.com")
    path = f"/v1/clients/{client_id}"
    deleted = call("clients", "DELETE", path, principal=ALICE)
    assert deleted.status == 200, deleted.body
    assert call("clients", "GET", path, principal=ALICE).status == 404
    assert ids(listing()) == []
    assert ids(listing(search="john")) == []
    assert [i["action"] for i in items_of_type(aws, "audit")].count("client.deleted") == 1
    [stored] = items_of_type(aws, "client")
    assert stored["deleted_at"]
    assert items_of_type(aws, "search") == []


def test_a_client_with_open_cases_is_not_deleted(aws: Settings) -> None:
    from docket.clients import service

    client_id = new_person("Jane", "Roe")
    # Given a case opened for the client (what the cases domain will do in its transaction)
    with transaction(ALICE) as tx:
        service.count_open_case(tx, "org_A", client_id, +1)
    # When the client is deleted
    reply = call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE)
    # Then it is a 409 that says why, and the client stays
    assert reply.status == 409
    assert "open case" in reply.error["message"]
    assert call("clients", "GET", f"/v1/clients/{client_id}", principal=ALICE).status == 200
    # And once the case is closed it can be deleted
    with transaction(ALICE) as tx:
        service.count_open_case(tx, "org_A", client_id, -1)
    assert call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE).status == 200


# --- lists ---------------------------------------------------------------------------------------


def test_list_pages_by_limit_and_offset_and_by_page_newest_first(aws: Settings) -> None:
    made = [new_person(f"P{i}", "Person") for i in range(7)]
    newest = list(reversed(made))
    assert ids(listing(limit="3", offset="2")) == newest[2:5]
    paged = listing(base="/v1", page="2", limit="3")
    assert ids(paged) == newest[3:6]
    assert paged.data["pagination"]["total"] == 7
    assert paged.data["pagination"]["totalPages"] == 3
    oldest = listing(sort_order="asc", limit="2")
    assert ids(oldest) == made[:2]


def test_cursor_visits_every_client_once(aws: Settings) -> None:
    made = [new_person(f"C{i}", "Cursor") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = listing(**query)
        seen += ids(page)
        cursor = page.data["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_default_limit_follows_the_seed_of_the_base_path(aws: Settings) -> None:
    for i in range(25):
        new_person(f"D{i}", "Default")
    assert len(ids(listing(base="/v1"))) == 20
    assert len(ids(listing(base="/api/v1"))) == 25
    assert listing(limit="1001").status == 400
    assert listing(limit="1000").status == 200


def test_sorts_by_name_and_email_and_refuses_unknown_fields(aws: Settings) -> None:
    b = new_person("Bob", "Brown", "zed@example.com")
    a = new_person("Alice", "Adams", "yan@example.com")
    c = new_person("Carol", "Clark", "xia@example.com")
    assert ids(listing(sort_by="name", sort_order="asc")) == [a, b, c]
    assert ids(listing(sortBy="name", sortOrder="desc")) == [c, b, a]
    assert ids(listing(sort_by="email", sort_order="asc")) == [c, a, b]
    assert ids(listing(sort_by="created_at")) == [c, a, b]
    refused = listing(sort_by="phone")
    assert refused.status == 400


def test_filters_by_status_type_and_stage(aws: Settings) -> None:
    stage = new_stage("Onboarding")
    corporate = create(**{**ABC, "status": "inactive"}).data["id"]
    individual = new_person("Ivy", "Indie", stage_id=stage)
    other = new_person("Otto", "Other")
    assert ids(listing(status="inactive")) == [corporate]
    assert ids(listing(type="individual")) == [other, individual]
    assert ids(listing(stage_id=stage)) == [individual]
    assert ids(listing(stageId=stage, sort_by="name")) == [individual]
    assert ids(listing(status="active", type="individual", sort_by="name", sort_order="asc")) == [
        individual,
        other,
    ]
    counted = listing(base="/v1", type="individual", page="1")
    assert counted.data["pagination"]["total"] == 2


# --- search --------------------------------------------------------------------------------------


def test_search_by_name_prefix_and_email(aws: Settings) -> None:
    john = new_person("John", "Doe", "john.doe@example.com")
    johnson = new_person("Mary", "Johnson", "mary@johnson.example")
    jane = new_person("Jane", "Roe", "jane@roe.example")
    corp = create().data["id"]  # contact person John Smith
    assert set(ids(listing(search="john"))) == {john, johnson, corp}
    assert ids(listing(search="John Doe")) == [john]
    assert ids(listing(search="jane@roe.example")) == [jane]
    assert ids(listing(search="ROE")) == [jane]
    assert set(ids(listing(search="jo", type="individual"))) == {john, johnson}
    assert listing(search="j").status == 400


def test_search_follows_changes(aws: Settings) -> None:
    client_id = new_person("John", "Doe")
    call("clients", "PUT", f"/v1/clients/{client_id}", principal=ALICE, body={"first_name": "Jack"})
    assert ids(listing(search="john")) == []
    assert ids(listing(search="jack")) == [client_id]


def test_search_pages_visit_each_match_once(aws: Settings) -> None:
    # Given clients several of whose words begin with the query
    made = {new_person(f"Sam{i}", f"Samson{i}", f"sam{i}@sample.example") for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        query = {"search": "sam", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = listing(**query)
        seen += ids(page)
        cursor = page.data["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_another_tenant_never_finds_our_clients(aws: Settings) -> None:
    new_person("John", "Doe", "john.doe@example.com")
    assert ids(listing(principal=MALLORY, search="john")) == []
    assert ids(listing(principal=MALLORY)) == []


# --- pipeline stages -----------------------------------------------------------------------------


def test_stages_are_created_listed_renamed_reordered_and_deleted_when_empty(aws: Settings) -> None:
    lead, won = new_stage("Lead"), new_stage("Won")
    middle = call(
        "clients", "POST", "/v1/pipeline/stages", principal=ALICE, body={"name": "Qualified", "position": 2}
    )
    qualified = middle.data["id"]
    stages = call("clients", "GET", "/v1/pipeline/stages", principal=READER).data["stages"]
    assert [(s["id"], s["position"]) for s in stages] == [(lead, 1), (qualified, 2), (won, 3)]
    renamed = call(
        "clients", "PUT", f"/v1/pipeline/stages/{lead}", principal=ALICE, body={"name": "New lead"}
    )
    assert renamed.status == 200
    assert renamed.data["name"] == "New lead"
    reordered = call(
        "clients",
        "POST",
        "/v1/pipeline/stages/reorder",
        principal=ALICE,
        body={"stageIds": [won, lead, qualified]},
    )
    assert reordered.status == 200, reordered.body
    assert [s["id"] for s in reordered.data["stages"]] == [won, lead, qualified]
    incomplete = call(
        "clients", "POST", "/v1/pipeline/stages/reorder", principal=ALICE, body={"stageIds": [won]}
    )
    assert incomplete.status == 400
    deleted = call("clients", "DELETE", f"/v1/pipeline/stages/{lead}", principal=ALICE)
    assert deleted.status == 200
    stages = call("clients", "GET", "/v1/pipeline/stages", principal=ALICE).data["stages"]
    assert [(s["id"], s["position"]) for s in stages] == [(won, 1), (qualified, 2)]


def test_a_stage_with_clients_is_not_deleted(aws: Settings) -> None:
    stage = new_stage("Lead")
    client_id = new_person("Sue", "Stage", stage_id=stage)
    got = call("clients", "GET", f"/v1/pipeline/stages/{stage}", principal=ALICE)
    assert got.data["clients"] == 1
    refused = call("clients", "DELETE", f"/v1/pipeline/stages/{stage}", principal=ALICE)
    assert refused.status == 409
    assert "clients" in refused.error["message"]
    call("clients", "PUT", f"/v1/clients/{client_id}", principal=ALICE, body={"stage_id": None})
    assert call("clients", "DELETE", f"/v1/pipeline/stages/{stage}", principal=ALICE).status == 200


def test_stage_id_must_name_a_stage_of_the_firm(aws: Settings) -> None:
    theirs = new_stage("Theirs", principal=MALLORY)
    reply = create(base="/api/v1", **person("Sly", "Fox", stage_id=theirs))
    assert reply.status == 400
    assert reply.error["details"][0]["field"] == "stageId"
    assert items_of_type(aws, "client") == []
    made = new_person("Sly", "Fox")
    moved = call("clients", "PUT", f"/v1/clients/{made}", principal=ALICE, body={"stageId": theirs})
    assert moved.status == 400
    assert call("clients", "GET", f"/v1/clients/{made}", principal=ALICE).data["stageId"] is None


def test_moving_a_client_between_stages_is_audited(aws: Settings) -> None:
    lead, won = new_stage("Lead"), new_stage("Won")
    client_id = new_person("Max", "Mover", stage_id=lead)
    moved = call("clients", "PUT", f"/v1/clients/{client_id}", principal=ALICE, body={"stage_id": won})
    assert moved.status == 200, moved.body
    assert moved.data["stageId"] == won
    [entry] = [a for a in items_of_type(aws, "audit") if a["action"] == "client.stage_changed"]
    assert entry["entity_id"] == client_id
    changes = json.loads(entry["changes"]) if isinstance(entry["changes"], str) else entry["changes"]
    assert changes == {"before": {"stage_id": lead}, "after": {"stage_id": won}}
    counts = {
        s["id"]: s["clients"]
        for s in call("clients", "GET", "/v1/pipeline/stages", principal=ALICE).data["stages"]
    }
    assert counts == {lead: 0, won: 1}
    assert ids(listing(stage_id=won)) == [client_id]
    assert ids(listing(stage_id=lead)) == []


def test_another_tenants_stage_is_not_found(aws: Settings) -> None:
    stage = new_stage("Lead")
    for method, path, body in (
        ("GET", f"/v1/pipeline/stages/{stage}", None),
        ("PUT", f"/v1/pipeline/stages/{stage}", {"name": "Mine"}),
        ("DELETE", f"/v1/pipeline/stages/{stage}", None),
    ):
        assert call("clients", method, path, principal=MALLORY, body=body).status == 404
    assert call("clients", "GET", "/v1/pipeline/stages", principal=MALLORY).data["stages"] == []


@pytest.mark.parametrize("field", ["name", "email"])
def test_listing_by_each_sort_is_one_query(aws: Settings, field: str) -> None:
    new_person("Quinn", "Query", "quinn@example.com")
    assert listing(sort_by=field).status == 200


# --- what a request costs ------------------------------------------------------------------------


def test_reads_cost_one_call_and_a_search_page_two(aws: Settings, dynamodb_calls: list[str]) -> None:
    stage = new_stage("Lead")
    client_id = new_person("John", "Doe", "john.doe@example.com", stage_id=stage)
    for i in range(30):
        new_person(f"Other{i}", "Person")
    cases = {
        "get": (f"/v1/clients/{client_id}", {}, ["GetItem"]),
        "list": ("/v1/clients", {}, ["Query"]),
        "list by name, page 2": (
            "/v1/clients",
            {"sortBy": "name", "page": "2", "limit": "5"},
            ["Query", "GetItem"],
        ),
        "list by stage": ("/v1/clients", {"stageId": stage}, ["Query"]),
        "search": ("/v1/clients", {"search": "john"}, ["Query", "BatchGetItem"]),
        "stages": ("/v1/pipeline/stages", {}, ["Query"]),
    }
    for name, (path, query, expected) in cases.items():
        dynamodb_calls.clear()
        reply = call("clients", "GET", path, principal=ALICE, query=query)
        assert reply.status == 200, (name, reply.body)
        assert dynamodb_calls == expected, name


def test_a_write_is_one_transaction(aws: Settings, dynamodb_calls: list[str]) -> None:
    stage = new_stage("Lead")
    dynamodb_calls.clear()
    created = create(base="/api/v1", **person("John", "Doe", "john.doe@example.com", stage_id=stage))
    assert created.status == 201
    # the audit chain's head is read (consistently) before the commit
    assert dynamodb_calls == ["GetItem", "TransactWriteItems"]
    dynamodb_calls.clear()
    moved = call(
        "clients", "PUT", f"/v1/clients/{created.data['id']}", principal=ALICE, body={"stage_id": None}
    )
    assert moved.status == 200
    assert dynamodb_calls == ["GetItem", "GetItem", "TransactWriteItems"]


# --- the guards hold in the transaction, not only in the read before it -------------------------


def test_a_case_opened_after_the_delete_read_still_blocks_it(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket.clients import service

    client_id = new_person("Rita", "Race")
    with transaction(ALICE) as tx:
        service.count_open_case(tx, "org_A", client_id, +1)
    # Given the delete's read saw no open case (a case opened between its read and its write)
    monkeypatch.setattr(service, "open_case_count", lambda org_id, client_id: 0)
    # When the client is deleted, Then its transaction's check refuses it with the same 409
    reply = call("clients", "DELETE", f"/v1/clients/{client_id}", principal=ALICE)
    assert reply.status == 409
    assert "open case" in reply.error["message"]
    assert call("clients", "GET", f"/v1/clients/{client_id}", principal=ALICE).status == 200


def test_a_client_entering_after_the_stage_delete_read_still_blocks_it(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docket.clients import stages

    stage = new_stage("Lead")
    new_person("Rob", "Race", stage_id=stage)
    # Given the delete's read saw the stage empty (the client entered between its read and its write)
    real = stages._pipeline
    monkeypatch.setattr(stages, "_pipeline", lambda org_id: (real(org_id)[0], {}))
    # When the stage is deleted, Then its transaction's condition refuses it with the same 409
    reply = call("clients", "DELETE", f"/v1/pipeline/stages/{stage}", principal=ALICE)
    assert reply.status == 409
    assert "clients" in reply.error["message"]
    assert call("clients", "GET", f"/v1/pipeline/stages/{stage}", principal=ALICE).status == 200


def test_a_stale_if_match_on_delete_is_a_412_and_deletes_nothing(aws: Settings) -> None:
    client_id = new_person("Ivo", "Ifmatch")
    path = f"/v1/clients/{client_id}"
    call("clients", "PUT", path, principal=ALICE, body={"phone": "+1-555-0100"})
    stale = call("clients", "DELETE", path, principal=ALICE, headers={"If-Match": '"v1"'})
    assert stale.status == 412
    assert call("clients", "GET", path, principal=ALICE).status == 200
    fresh = call("clients", "DELETE", path, principal=ALICE, headers={"If-Match": '"v2"'})
    assert fresh.status == 200


def test_a_rare_filter_reads_a_bounded_number_of_pages_and_goes_on_by_cursor(
    aws: Settings, monkeypatch: pytest.MonkeyPatch, dynamodb_calls: list[str]
) -> None:
    from docket.data import listing as listing_module

    # Given one inactive client, older than twelve active ones, and Query calls of two items
    rare = create(**{**ABC, "status": "inactive"}).data["id"]
    for i in range(12):
        new_person(f"A{i}", "Active")
    monkeypatch.setattr(listing_module, "FILTERED_PAGE", 2)
    found: list[str] = []
    cursor = None
    pages = 0
    while True:
        dynamodb_calls.clear()
        query = {"status": "inactive", "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = listing(**query)
        pages += 1
        # Then no page reads more than the budget, however few items match
        assert dynamodb_calls.count("Query") <= listing_module.MAX_CALLS
        found += ids(page)
        cursor = page.data["pagination"]["nextCursor"]
        if cursor is None:
            break
    # And following the cursor finds the match: the first page was short, not wrong
    assert found == [rare]
    assert pages > 1
