"""The HTTP details a careful client notices, on feedback (the resolver's mechanism every route gets):
rate-limit headers of the window that blocks, If-Match lists, HEAD, Allow, Location under the
caller's base path, WWW-Authenticate on 401s, idempotent retries of the same JSON, and PUTs that
change nothing."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from docket import clock, topology
from docket.api import ratelimit
from docket.settings import Settings
from docket.topology import RateCategory, RateLimit
from tests.integration.support import Reply, call, invoke, rest_event
from tests.integration.test_feedback_api import ALICE, MALLORY, MANAGER, submit
from tests.integration.test_login_guard import register

#: A fixed instant 30 s into a minute and 10 min 30 s into an hour (no window rolls over mid-test).
NOW = 1_795_370_400 + 630


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(clock, "epoch", lambda: NOW)
    return NOW


def audit_actions(settings: Settings) -> list[str]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [str(i["action"]) for i in table.scan()["Items"] if i.get("type") == "audit"]


# rate limits -------------------------------------------------------------------------------


def test_a_429_from_the_burst_reports_the_minute_window(
    aws: Settings, frozen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a read budget of 900 an hour and 2 a minute
    monkeypatch.setitem(ratelimit.RATE_LIMITS, RateCategory.READ, RateLimit(per_hour=900, burst_per_minute=2))
    # When a third read comes within the minute
    replies = [call("helpdesk", "GET", "/v1/feedback", principal=ALICE) for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 429]
    limited = replies[2].headers
    # Then the headers describe the burst that blocks, not the hour's 897 left
    minute_end = frozen - frozen % 60 + 60
    assert (limited["X-RateLimit-Limit"], limited["X-RateLimit-Remaining"]) == ("2", "0")
    assert limited["X-RateLimit-Reset"] == str(minute_end)
    assert limited["Retry-After"] == str(minute_end - frozen) == "30"
    assert '"read-burst";r=0;t=30' in limited["RateLimit"]
    assert limited["RateLimit-Policy"] == '"read";q=900;w=3600, "read-burst";q=2;w=60'


def test_a_429_from_the_hour_reports_the_hour_window(
    aws: Settings, frozen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ratelimit.RATE_LIMITS, RateCategory.READ, RateLimit(per_hour=1, burst_per_minute=1))
    replies = [call("helpdesk", "GET", "/v1/feedback", principal=ALICE) for _ in range(2)]
    assert [r.status for r in replies] == [200, 429]
    limited = replies[1].headers
    # both windows block: the hour is reported, as it blocks longer
    hour_end = frozen - frozen % 3600 + 3600
    assert (limited["X-RateLimit-Limit"], limited["X-RateLimit-Remaining"]) == ("1", "0")
    assert limited["X-RateLimit-Reset"] == str(hour_end)
    assert limited["Retry-After"] == str(hour_end - frozen)


def test_a_success_reports_the_hour_as_seed_000_and_both_windows_in_the_ietf_fields(
    aws: Settings, frozen: int
) -> None:
    reply = call("helpdesk", "GET", "/v1/feedback", principal=ALICE)
    assert (reply.headers["X-RateLimit-Limit"], reply.headers["X-RateLimit-Remaining"]) == ("1000", "999")
    assert reply.headers["RateLimit"] == '"read";r=999;t=2970, "read-burst";r=99;t=30'
    assert "Retry-After" not in reply.headers


# If-Match ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ['"v0", "v1"', '"v1", "v7"', "*", 'W/"v0", "v1"'])
def test_if_match_passes_when_its_list_names_the_current_etag(aws: Settings, header: str) -> None:
    created = submit()
    reply = call(
        "helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE,
        body={"rating": 3}, headers={"If-Match": header},
    )  # fmt: skip
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"v2"'


@pytest.mark.parametrize("header", ['W/"v1"', '"v0", "v2"', "v1"])
def test_if_match_with_weak_or_other_tags_is_a_412_and_changes_nothing(aws: Settings, header: str) -> None:
    created = submit()
    path = f"/v1/feedback/{created.data['id']}"
    reply = call("helpdesk", "PUT", path, principal=ALICE, body={"rating": 3}, headers={"If-Match": header})
    assert reply.status == 412, reply.body
    assert reply.error["code"] == "PRECONDITION_FAILED"
    assert call("helpdesk", "GET", path, principal=ALICE).data["rating"] == 5


def test_if_match_star_on_another_tenants_item_is_still_a_404(aws: Settings) -> None:
    created = submit()
    reply = call(
        "helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=MALLORY,
        body={"rating": 1}, headers={"If-Match": "*"},
    )  # fmt: skip
    assert reply.status == 404


# HEAD and Allow ----------------------------------------------------------------------------


def test_head_answers_as_get_without_a_body(aws: Settings) -> None:
    created = submit()
    path = f"/v1/feedback/{created.data['id']}"
    head = call("helpdesk", "HEAD", path, principal=ALICE)
    get = call("helpdesk", "GET", path, principal=ALICE)
    assert (head.status, head.body) == (200, None)
    assert head.headers["ETag"] == get.headers["ETag"] == '"v1"'
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize(
    ("function", "path", "status"),
    [
        ("helpdesk", "/v1/feedback", 200),
        ("helpdesk", "/v1/feedback/fb_nope", 404),
        ("platform", "/v1/health", 200),
    ],
)
def test_head_works_on_every_get_route_and_its_errors(
    aws: Settings, function: str, path: str, status: int
) -> None:
    reply = call(function, "HEAD", path, principal=ALICE)
    assert (reply.status, reply.body) == (status, None)


def test_a_405_allows_head_and_options_beside_the_routes(aws: Settings) -> None:
    reply = call("helpdesk", "DELETE", "/v1/feedback", principal=ALICE)
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert reply.error["details"]["allowed"] == ["GET", "HEAD", "OPTIONS", "POST"]


def test_head_on_a_route_without_get_is_a_405(aws: Settings) -> None:
    reply = call("auth", "HEAD", "/v1/auth/login")
    assert (reply.status, reply.body) == (405, None)
    assert reply.headers["Allow"] == "OPTIONS, POST"


def test_public_get_routes_answer_head_without_the_authorizer() -> None:
    # API Gateway: a public GET's resource gets a public HEAD, or HEAD would fall to the
    # prefix's authorized ANY
    for route in ("/health", "/openapi.json", "/.well-known/jwks.json", "/auth/verify-email"):
        found = topology.match("HEAD", route)
        assert found is not None, route
        assert found.public, route


# Location ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["/api/v1", "/v1", "/api", ""])
def test_location_carries_the_base_path_the_post_came_in_on(aws: Settings, base: str) -> None:
    # Given a POST through a custom domain's base-path mapping (or bare, locally)
    reply = submit_at(f"{base}/feedback")
    # Then Location is a link that works on the same URL
    assert reply.status == 201
    assert reply.headers["Location"] == f"{base}/feedback/{reply.data['id']}"


def test_location_on_api_gateways_own_domain_carries_the_stage(aws: Settings) -> None:
    # On https://{api}.execute-api.{region}.amazonaws.com/v1/feedback, `path` is /feedback and only
    # requestContext.path has the stage
    event = rest_event("POST", "/feedback", principal=ALICE, body={"feature": "Billing", "rating": 4})
    event["requestContext"]["path"] = "/v1/feedback"
    reply = invoke("helpdesk", event)
    assert reply.headers["Location"] == f"/v1/feedback/{reply.data['id']}"


def submit_at(path: str) -> Reply:
    return call("helpdesk", "POST", path, principal=ALICE, body={"feature": "Billing", "rating": 4})


# WWW-Authenticate --------------------------------------------------------------------------


def test_a_401_without_credentials_challenges_for_a_bearer_token(aws: Settings) -> None:
    reply = call("helpdesk", "GET", "/v1/feedback")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="docket"'


def test_a_browser_app_may_read_the_challenge_and_allow(aws: Settings) -> None:
    # WWW-Authenticate and Allow are not CORS-safelisted: a page reads them only when exposed
    reply = call("helpdesk", "GET", "/v1/feedback", headers={"Origin": "https://app.firm.example"})
    exposed = reply.headers["Access-Control-Expose-Headers"].split(",")
    assert {"WWW-Authenticate", "Allow"} <= set(exposed)


def test_a_401_for_a_presented_token_says_invalid_token(aws: Settings) -> None:
    reply = call("helpdesk", "GET", "/v1/feedback", headers={"Authorization": "Bearer expired.or.forged"})
    assert reply.status == 401
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="docket", error="invalid_token", error_description="')


def test_a_failed_sign_in_challenges_without_blaming_a_token_it_never_read(aws: Settings) -> None:
    # a public route: the bearer header is not what failed
    register("owner@firm.example")
    reply = call(
        "auth", "POST", "/v1/auth/login", body={"email": "owner@firm.example", "password": "Wrong-Pass-000"},
        headers={"Authorization": "Bearer stale"},
    )  # fmt: skip
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="docket"'


# idempotency -------------------------------------------------------------------------------


def test_a_retry_with_the_same_json_spelled_differently_is_a_replay(aws: Settings) -> None:
    key = {"Idempotency-Key": "spelled-twice"}
    first = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, headers=key,
                 body=b'{"feature":"Billing","rating":4}')  # fmt: skip
    again = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, headers=key,
                 body=b'{\n  "rating": 4,\n  "feature": "Billing"\n}')  # fmt: skip
    assert (first.status, again.status) == (201, 201)
    assert again.data["id"] == first.data["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, headers=key,
                 body=b'{"rating": 4, "feature": "Invoicing"}')  # fmt: skip
    assert other.status == 409


# PUTs that change nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"rating": 5}, {"feature": "Case Management", "comment": "Great", "category": "feature"}],
    ids=["empty", "same rating", "same values"],
)
def test_a_put_that_changes_nothing_keeps_the_version_and_writes_no_audit(
    aws: Settings, body: dict[str, Any]
) -> None:
    # Given feedback at version 1
    created = submit()
    # When a PUT sends nothing, or only the current values
    reply = call("helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE, body=body)
    # Then it answers the resource as it is, with the same ETag, and nothing is written
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"v1"'
    assert reply.data == created.data
    assert audit_actions(aws) == ["feedback.created"]


def test_sending_back_the_current_status_needs_no_triage_permission(aws: Settings) -> None:
    # A client that PUTs the resource it read (status included) changes no status
    created = submit()
    body = {"rating": 2, "status": created.data["status"]}
    reply = call("helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE, body=body)
    assert reply.status == 200, reply.body
    assert (reply.data["rating"], reply.headers["ETag"]) == (2, '"v2"')
    changing = call("helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE,
                    body={"status": "reviewed"})  # fmt: skip
    assert changing.status == 403
    assert call("helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=MANAGER,
                body={"status": "reviewed"}).status == 200  # fmt: skip


def test_a_real_change_audits_only_what_changed(aws: Settings) -> None:
    created = submit()
    call("helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE,
         body={"rating": 3, "feature": "Case Management"})  # fmt: skip
    table = boto3.resource("dynamodb").Table(aws.table_name)
    [entry] = [i for i in table.scan()["Items"] if i.get("action") == "feedback.updated"]
    changes = json.loads(entry["changes"]) if isinstance(entry["changes"], str) else entry["changes"]
    assert changes == {"before": {"rating": 5}, "after": {"rating": 3}}
