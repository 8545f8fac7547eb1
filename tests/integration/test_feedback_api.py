"""Feedback over the helpdesk Lambda, in process on moto: the API contract every group inherits."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from docket.api import ratelimit
from docket.security.principal import Principal
from docket.settings import Settings
from docket.topology import RateCategory, RateLimit
from tests.integration.conftest import TimeTravel
from tests.integration.support import Reply, call

ALICE = Principal(user_id="usr_alice", org_id="org_A", permissions=("feedback:read", "feedback:write"))
MANAGER = Principal(user_id="usr_boss", org_id="org_A", permissions=("feedback:*",))
MALLORY = Principal(user_id="usr_mallory", org_id="org_B", permissions=("feedback:*",))


def submit(principal: Principal = ALICE, **fields: Any) -> Reply:
    body = {"feature": "Case Management", "rating": 5, "comment": "Great", "category": "feature", **fields}
    return call("helpdesk", "POST", "/v1/feedback", principal=principal, body=body)


def items_of_type(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def test_submit_answers_201_with_envelope_etag_location_and_an_audit_entry(aws: Settings) -> None:
    # When a user submits feedback
    reply = submit()
    # Then it is created, enveloped, versioned, and audited in the same write
    assert reply.status == 201
    assert reply.body["success"] is True
    assert reply.data["id"].startswith("fb_")
    assert reply.data["status"] == "new"
    assert reply.data["userId"] == "usr_alice"
    assert reply.headers["ETag"] == '"v1"'
    assert reply.headers["Location"] == f"/v1/feedback/{reply.data['id']}"
    assert reply.headers["X-Request-Id"]
    [audit] = items_of_type(aws, "audit")
    assert (audit["action"], audit["entity_id"], audit["actor_id"]) == (
        "feedback.created",
        reply.data["id"],
        "usr_alice",
    )


def test_bad_input_is_a_400_with_field_details_and_writes_nothing(aws: Settings) -> None:
    reply = call(
        "helpdesk",
        "POST",
        "/v1/feedback",
        principal=ALICE,
        body={"feature": "", "rating": 9, "category": "nonsense", "surprise": True},
    )
    assert reply.status == 400
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert {d["field"] for d in reply.error["details"]} == {"feature", "rating", "category", "surprise"}
    assert reply.error["requestId"] == reply.headers["X-Request-Id"]
    assert items_of_type(aws, "feedback") == []


def test_snake_case_input_is_accepted_like_camel_case(aws: Settings) -> None:
    created = submit()
    reply = call(
        "helpdesk",
        "GET",
        "/v1/feedback",
        principal=ALICE,
        query={"sort_order": "asc", "limit": "1"},
    )
    assert reply.status == 200
    assert reply.data["feedback"][0]["id"] == created.data["id"]


def test_another_tenants_feedback_is_not_found(aws: Settings) -> None:
    created = submit()
    for method, body in (("GET", None), ("PUT", {"rating": 1})):
        reply = call("helpdesk", method, f"/v1/feedback/{created.data['id']}", principal=MALLORY, body=body)
        assert reply.status == 404
        assert reply.error["code"] == "RESOURCE_NOT_FOUND"


def test_if_match_turns_a_lost_update_into_a_412(aws: Settings) -> None:
    created = submit()
    path = f"/v1/feedback/{created.data['id']}"
    first = call("helpdesk", "PUT", path, principal=ALICE, body={"rating": 4}, headers={"If-Match": '"v1"'})
    assert first.status == 200
    assert first.headers["ETag"] == '"v2"'
    stale = call("helpdesk", "PUT", path, principal=ALICE, body={"rating": 3}, headers={"If-Match": '"v1"'})
    assert stale.status == 412
    assert stale.error["code"] == "PRECONDITION_FAILED"
    assert call("helpdesk", "GET", path, principal=ALICE).data["rating"] == 4


def test_triage_needs_the_manage_permission(aws: Settings) -> None:
    created = submit()
    path = f"/v1/feedback/{created.data['id']}"
    assert call("helpdesk", "PUT", path, principal=ALICE, body={"status": "reviewed"}).status == 403
    reviewed = call("helpdesk", "PUT", path, principal=MANAGER, body={"status": "reviewed"})
    assert reviewed.status == 200
    assert reviewed.data["status"] == "reviewed"


def test_cursor_pagination_visits_every_item_once_in_order(aws: Settings) -> None:
    ids = [submit(feature=f"F{i}", rating=1 + i % 5).data["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query=query)
        assert page.status == 200
        seen += [f["id"] for f in page.data["feedback"]]
        cursor = page.data["pagination"]["nextCursor"]
        assert page.data["pagination"]["hasNext"] is (cursor is not None)
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_page_and_offset_paging_report_totals(aws: Settings) -> None:
    for i in range(5):
        submit(feature=f"F{i}")
    page = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"page": "2", "limit": "2"})
    assert [f["feature"] for f in page.data["feedback"]] == ["F2", "F1"]
    pagination = page.data["pagination"]
    assert (pagination["page"], pagination["total"], pagination["pages"], pagination["hasNext"]) == (
        2,
        5,
        3,
        True,
    )
    offset = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"offset": "4", "limit": "2"})
    assert [f["feature"] for f in offset.data["feedback"]] == ["F0"]
    assert offset.data["pagination"]["hasNext"] is False


@pytest.mark.parametrize(
    "query",
    [{"limit": "101"}, {"limit": "0"}, {"page": "0"}, {"offset": "-1"}, {"cursor": "x", "page": "2"}],
)
def test_out_of_range_paging_is_a_400(aws: Settings, query: dict[str, str]) -> None:
    reply = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query=query)
    assert reply.status == 400
    assert reply.error["code"] == "VALIDATION_ERROR"


def test_forged_foreign_and_repurposed_cursors_are_400s(aws: Settings) -> None:
    for i in range(3):
        submit(feature=f"F{i}")
        submit(principal=MALLORY, feature=f"M{i}")
    cursor = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"limit": "1"}).data[
        "pagination"
    ]["nextCursor"]
    payload, signature = cursor.split(".")
    attempts = [
        ({"cursor": "garbage"}, ALICE),
        ({"cursor": payload + "." + signature[::-1]}, ALICE),
        ({"cursor": cursor}, MALLORY),  # another tenant
        ({"cursor": cursor, "status": "new"}, ALICE),  # another query
    ]
    for query, principal in attempts:
        reply = call("helpdesk", "GET", "/v1/feedback", principal=principal, query={"limit": "1", **query})
        assert reply.status == 400, query
        assert reply.error["details"][0]["field"] == "cursor"


def test_filters_narrow_the_list(aws: Settings) -> None:
    submit(feature="A", category="bug", rating=1)
    submit(feature="B", category="feature", rating=5)
    bug = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"category": "bug"})
    assert [f["feature"] for f in bug.data["feedback"]] == ["A"]
    five = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"rating": "5"})
    assert [f["feature"] for f in five.data["feedback"]] == ["B"]
    new = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"status": "new"})
    assert len(new.data["feedback"]) == 2
    unknown = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"sortOrder": "sideways"})
    assert unknown.status == 400


def test_idempotency_key_replays_the_first_result_and_refuses_a_different_body(aws: Settings) -> None:
    key = {"Idempotency-Key": "create-once-1"}
    body = {"feature": "Billing", "rating": 4}
    first = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body=body, headers=key)
    again = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body=body, headers=key)
    assert first.status == again.status == 201
    assert again.data["id"] == first.data["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(items_of_type(aws, "feedback")) == 1
    other = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body={**body, "rating": 1}, headers=key)
    assert other.status == 409
    assert other.error["code"] == "CONFLICT"
    # the same key from another caller is another request
    theirs = call("helpdesk", "POST", "/v1/feedback", principal=MALLORY, body=body, headers=key)
    assert theirs.status == 201
    assert theirs.data["id"] != first.data["id"]


def test_rate_limit_headers_on_every_response_and_429_with_retry_after(
    aws: Settings, frozen: TimeTravel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ratelimit.RATE_LIMITS, RateCategory.READ, RateLimit(per_hour=3, burst_per_minute=100))
    replies = [call("helpdesk", "GET", "/v1/feedback", principal=ALICE) for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in replies[:3]] == ["2", "1", "0"]
    limited = replies[3]
    assert limited.error["code"] == "RATE_LIMIT_EXCEEDED"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3"
    # writes are another category, and another caller has their own budget
    assert submit().status == 201
    assert call("helpdesk", "GET", "/v1/feedback", principal=MALLORY).status == 200


def test_invalid_requests_count_against_the_rate_limit_too(
    aws: Settings, frozen: TimeTravel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        ratelimit.RATE_LIMITS, RateCategory.WRITE, RateLimit(per_hour=2, burst_per_minute=100)
    )
    replies = [
        call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body={"rating": "bad"}) for _ in range(3)
    ]
    assert [r.status for r in replies] == [400, 400, 429]


def test_unknown_routes_and_methods_are_404_and_405_envelopes(aws: Settings) -> None:
    created = submit()
    nowhere = call("helpdesk", "GET", "/v1/feedback/x/y/z", principal=ALICE)
    assert nowhere.status == 404
    assert nowhere.error["code"] == "RESOURCE_NOT_FOUND"
    delete = call("helpdesk", "DELETE", f"/v1/feedback/{created.data['id']}", principal=ALICE)
    assert delete.status == 405
    assert delete.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"


@pytest.mark.parametrize("path", ["/v1/feedback", "/api/v1/feedback/", "/api/feedback", "/feedback/"])
def test_every_base_path_and_a_trailing_slash_reach_the_route(aws: Settings, path: str) -> None:
    assert call("helpdesk", "GET", path, principal=ALICE).status == 200


def test_cors_preflight_needs_no_credentials(aws: Settings) -> None:
    reply = call("helpdesk", "OPTIONS", "/v1/feedback", headers={"Origin": "https://app.example"})
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in reply.headers["Access-Control-Allow-Headers"]


def test_listed_origins_may_send_credentials_and_others_get_no_cors(local_aws: Any, aws: Settings) -> None:
    local_aws.configure(cors_origins=("https://app.firm.example",))
    try:
        listed = call("helpdesk", "OPTIONS", "/v1/feedback", headers={"Origin": "https://app.firm.example"})
        assert listed.headers["Access-Control-Allow-Origin"] == "https://app.firm.example"
        assert listed.headers["Access-Control-Allow-Credentials"] == "true"
        assert listed.headers["Vary"] == "Origin"
        other = call(
            "helpdesk", "GET", "/v1/feedback", principal=ALICE, headers={"Origin": "https://evil.example"}
        )
        assert "Access-Control-Allow-Origin" not in other.headers
        assert "Access-Control-Allow-Credentials" not in other.headers
    finally:
        local_aws.configure(cors_origins=("*",))


def test_oversized_bodies_are_413(aws: Settings) -> None:
    reply = call(
        "helpdesk",
        "POST",
        "/v1/feedback",
        principal=ALICE,
        body={"feature": "x", "rating": 1, "comment": "y" * (1024 * 1024 + 1)},
    )
    assert reply.status == 413
    assert reply.error["code"] == "PAYLOAD_TOO_LARGE"


def test_a_route_without_a_principal_is_refused(aws: Settings) -> None:
    reply = call("helpdesk", "GET", "/v1/feedback")
    assert reply.status == 401
    assert reply.error["code"] == "AUTHENTICATION_FAILED"


def test_a_path_ending_in_a_line_feed_is_no_route_not_the_list(aws: Settings) -> None:
    # Given a firm with feedback
    submit(ALICE, feature="Search", rating=4)
    # When the id is a line feed (`GET /feedback/%0A`, as API Gateway decodes it), or the list's
    # path ends in one
    for path in ("/v1/feedback/\n", "/v1/feedback\n"):
        reply = call("helpdesk", "GET", path, principal=ALICE)
        # Then no route answers (a `$` anchor matched before the line feed and served the list)
        assert reply.status == 404, (path, reply.body)
        assert reply.error["code"] == "RESOURCE_NOT_FOUND"
