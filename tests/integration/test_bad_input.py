"""Bad input never reaches a 500: the resolver's mechanism, tried on every group that takes JSON
(helpdesk, auth, directory). Each refusal is a 400 `VALIDATION_ERROR` naming the field, and
nothing is written."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.integration.test_directory import sign_in
from tests.integration.test_feedback_api import ALICE, MANAGER, submit
from tests.integration.test_login_guard import PASSWORD, register

EMAIL = "owner@firm.example"
REGISTRATION = {
    "organizationName": "Acme Law",
    "organizationEmail": "contact@acme.example",
    "firstName": "Ada",
    "lastName": "Owner",
    "email": "ada@acme.example",
    "password": PASSWORD,
}


def items(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


def refused(reply: Reply, field: str, kind: str | None = None) -> dict[str, Any]:
    """The reply is a 400 naming `field` (and the error `kind`, when given); the detail is returned."""
    assert reply.status == 400, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    [detail] = [d for d in reply.error["details"] if d["field"] == field]
    if kind is not None:
        assert detail["type"] == kind, detail
    return dict(detail)


def owner() -> Principal:
    register(EMAIL)
    principal, _ = sign_in(EMAIL)
    return principal


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


# 1. depth -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "method", "path"),
    [
        ("helpdesk", "POST", "/v1/feedback"),
        ("auth", "POST", "/v1/auth/organization/register"),
        ("auth", "POST", "/v1/auth/login"),
    ],
)
def test_json_nested_a_thousand_levels_is_a_400_before_anything_parses_it(
    aws: Settings, function: str, method: str, path: str
) -> None:
    # Given a body nested 1,000 levels deep (json.loads would raise RecursionError)
    body = b"[" * 1000 + b"]" * 1000
    # When it is posted
    reply = call(function, method, path, principal=ALICE, body=body)
    # Then it is a 400 that says why, and nothing was written
    detail = refused(reply, "body", "json_too_deep")
    assert "64" in detail["message"]
    assert items(aws, "feedback") == items(aws, "organization") == []


def test_the_depth_limit_is_64_levels(aws: Settings) -> None:
    # Given bodies nested exactly at and just over the limit, where the model takes an object
    at_limit = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body=nested(63))
    over = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body=nested(65))
    # Then the first reaches validation (an unknown field), the second is refused for its depth
    refused(at_limit, "a", "extra_forbidden")
    refused(over, "body", "json_too_deep")


def test_a_deep_body_on_a_route_that_takes_no_body_is_refused_too(aws: Settings) -> None:
    # Given a list route (no request body), when a deep JSON body comes along anyway
    reply = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, body=b"[" * 5000 + b"]" * 5000)
    # Then it is refused, not parsed by whatever reads it later
    refused(reply, "body", "json_too_deep")


def test_a_deep_body_with_an_idempotency_key_is_a_400(aws: Settings) -> None:
    # The idempotency middleware reads the body too: it never parses what validation refused
    reply = call(
        "helpdesk",
        "POST",
        "/v1/feedback",
        principal=ALICE,
        body=b"[" * 1000 + b"]" * 1000,
        headers={"Idempotency-Key": "deep-1"},
    )
    refused(reply, "body", "json_too_deep")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b'{"feature": "x", "rating": 1' + b"0" * 5000 + b"}", "json_number_out_of_range"),
        (b'{"feature": "x", "rating": 1e999}', "json_number_out_of_range"),
        (b'{"feature": "x", "rating": NaN}', "json_invalid"),
        (b'{"feature": "x", "rating": Infinity}', "json_invalid"),
        (b'{"feature": "\\ud800", "rating": 5}', "json_invalid"),
        (b'{"feature": "x", "rating": 5', "json_invalid"),
    ],
    ids=["5000 digits", "1e999", "NaN", "Infinity", "unpaired surrogate", "truncated"],
)
def test_numbers_and_strings_json_cannot_hold_are_400s(aws: Settings, raw: bytes, kind: str) -> None:
    # A 5,000-digit integer is a plain ValueError in json.loads (a 500 before); NaN, Infinity and
    # unpaired surrogates are not JSON a client means nor values DynamoDB stores
    reply = call("helpdesk", "POST", "/v1/feedback", principal=ALICE, body=raw)
    refused(reply, "body", kind)
    assert items(aws, "feedback") == []


# 2. null for a field that is not nullable ----------------------------------------------------


@pytest.mark.parametrize("field", ["feature", "rating", "category", "priority", "status"])
def test_null_for_a_field_that_cannot_be_null_is_a_400_naming_it(aws: Settings, field: str) -> None:
    # Given a feedback item
    created = submit()
    path = f"/v1/feedback/{created.data['id']}"
    # When a manager sends null for a field that has no "no value"
    reply = call("helpdesk", "PUT", path, principal=MANAGER, body={field: None})
    # Then it is a 400 naming the field, and the item is unchanged
    detail = refused(reply, field, "null_not_allowed")
    assert "leave the field out" in detail["message"]
    after = call("helpdesk", "GET", path, principal=ALICE)
    assert after.data == created.data


def test_null_clears_a_nullable_field(aws: Settings) -> None:
    # Given feedback with a comment, when its author sends comment: null
    created = submit(comment="Great")
    reply = call(
        "helpdesk", "PUT", f"/v1/feedback/{created.data['id']}", principal=ALICE, body={"comment": None}
    )
    # Then the comment is gone
    assert reply.status == 200, reply.body
    assert reply.data["comment"] is None
    assert reply.data["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": None, "password": PASSWORD}, "email"),
        ({"email": EMAIL, "password": None}, "password"),
        ({"provider": None, "email": EMAIL, "password": PASSWORD}, "provider"),
    ],
)
def test_null_sign_in_credentials_are_400s(aws: Settings, body: dict[str, Any], field: str) -> None:
    register(EMAIL)
    refused(call("auth", "POST", "/v1/auth/login", body=body), field, "null_not_allowed")


def test_a_null_organization_at_sign_in_means_none_chosen(aws: Settings) -> None:
    # organizationId is Nullable: null is the same as leaving it out
    register(EMAIL)
    body = {"email": EMAIL, "password": PASSWORD, "organizationId": None}
    assert call("auth", "POST", "/v1/auth/login", body=body).status == 200


# 3. the wrong top-level JSON type ------------------------------------------------------------


def _routes(principal: Principal) -> list[tuple[str, str, str, Principal | None, dict[str, Any]]]:
    return [
        ("auth", "POST", "/v1/auth/organization/register", None, REGISTRATION),
        ("auth", "POST", "/v1/auth/login", None, {"email": EMAIL, "password": PASSWORD}),
        (
            "auth",
            "POST",
            "/v1/auth/api-keys",
            principal,
            {"name": "Export", "permissions": ["feedback:read"]},
        ),
        ("helpdesk", "POST", "/v1/feedback", principal, {"feature": "Billing", "rating": 4}),
        ("directory", "PUT", "/v1/organizations/me/settings", principal, {"settings": {"requireMfa": False}}),
    ]


@pytest.mark.parametrize(
    "shape",
    ["two objects in an array", "one object in an array", "a number", "a string", "true"],
)
def test_a_body_that_is_not_an_object_is_a_400_on_every_json_route(aws: Settings, shape: str) -> None:
    principal = owner()
    counts = {kind: len(items(aws, kind)) for kind in ("organization", "api_key", "feedback")}
    for function, method, path, caller, body in _routes(principal):
        sent = {
            "two objects in an array": [body, body],
            "one object in an array": [body],
            "a number": 5,
            "a string": "x",
            "true": True,
        }[shape]
        # When the route that takes an object receives another JSON type
        reply = call(function, method, path, principal=caller, body=json.dumps(sent).encode())
        # Then it is a 400 saying what the body must be; the first element is never taken
        detail = refused(reply, "body", "json_type")
        assert detail["message"].startswith("must be an object"), (path, detail)
    # and nothing was created
    assert {kind: len(items(aws, kind)) for kind in counts} == counts


# 4. strict numbers and booleans in JSON bodies; lax query parameters -----------------------


@pytest.mark.parametrize("rating", ["5", True, 5.0, "five"])
def test_a_rating_must_be_a_json_integer(aws: Settings, rating: Any) -> None:
    reply = call(
        "helpdesk", "POST", "/v1/feedback", principal=ALICE, body={"feature": "Billing", "rating": rating}
    )
    refused(reply, "rating", "int_type")
    assert items(aws, "feedback") == []


@pytest.mark.parametrize("value", ["true", 1, 0, "yes"])
def test_a_setting_must_be_a_json_boolean(aws: Settings, value: Any) -> None:
    principal = owner()
    body = {"settings": {"requireMfa": value}}
    reply = call("directory", "PUT", "/v1/organizations/me/settings", principal=principal, body=body)
    refused(reply, "settings.requireMfa", "bool_type")


def test_enums_take_their_string_values_and_query_parameters_stay_lax(aws: Settings) -> None:
    # Given feedback sent with enum values as strings
    created = submit(category="bug", priority="high", rating=5)
    assert created.status == 201, created.body
    assert (created.data["category"], created.data["priority"]) == ("bug", "high")
    # When the list is filtered by rating in the query string (always a string on the wire)
    listed = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"rating": "5", "limit": "10"})
    # Then the string is read as the integer it spells
    assert listed.status == 200, listed.body
    assert [f["id"] for f in listed.data["feedback"]] == [created.data["id"]]


# 5. malformed cursors ------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", [".é", "é.é", "abc.é", "é", ".", "\ud800.x", "e30.\x00"])
def test_any_malformed_cursor_is_a_400(aws: Settings, cursor: str) -> None:
    # hmac.compare_digest raised TypeError on a non-ASCII signature (a 500)
    reply = call("helpdesk", "GET", "/v1/feedback", principal=ALICE, query={"cursor": cursor})
    refused(reply, "cursor")
