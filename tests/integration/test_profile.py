"""The caller's profile: one resource behind `/users/me` (seed 001), `/users/profile` (seed 000) and
`/user/profile` (seed 002), validated, versioned (ETag / If-Match), written with its audit entry."""

from __future__ import annotations

from typing import Any

import pytest

from docket.identity import accounts, apikeys
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, actions, register

pytestmark = pytest.mark.usefixtures("frozen")  # audit entries are read by day

EMAIL = "owner@firm.example"
ROUTES = ("/users/me", "/users/profile", "/user/profile")


def owner() -> tuple[accounts.Registered, Principal]:
    done = register(EMAIL)
    token = accounts.login(EMAIL, PASSWORD).tokens.access_token
    return done, authenticate_rest({"Authorization": f"Bearer {token}"})


def profile_of(reply: Any, path: str) -> dict[str, Any]:
    data: dict[str, Any] = reply.data["user"] if path == "/user/profile" else reply.data
    return data


def test_seed_000_update_then_read_through_every_route(aws: Settings) -> None:
    # Given the owner of a firm
    done, principal = owner()
    body = {
        "name": "John Doe",
        "phone": "+91-9876543210",
        "address": {
            "street": "123 Main St",
            "city": "Mumbai",
            "state": "Maharashtra",
            "zipCode": "400001",
            "country": "India",
        },
        "preferences": {"language": "en", "timezone": "Asia/Kolkata"},
    }
    # When seed 000's body is sent
    reply = call("directory", "PUT", "/users/profile", principal=principal, body=body)
    # Then the profile answers in seed 000's shape, version 1, audited once
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"v1"'
    data = reply.data
    assert (data["name"], data["firstName"], data["lastName"]) == ("John Doe", "John", "Doe")
    assert data["role"] == "owner"
    assert data["phone"] == "+91-9876543210"
    assert data["address"] == body["address"]
    assert data["preferences"] == {
        "language": "en",
        "timezone": "Asia/Kolkata",
        "notifications": {"email": True, "sms": False, "push": True},
    }
    assert actions(done.organization.id).count("user.updated") == 1
    # And every route reads the same resource
    for path in ROUTES:
        read = call("directory", "GET", path, principal=principal)
        assert read.status == 200, read.body
        assert read.headers["ETag"] == '"v1"'
        assert profile_of(read, path) == data


def test_seed_001_and_002_bodies(aws: Settings) -> None:
    _, principal = owner()
    seed_001 = {
        "first_name": "John",
        "last_name": "Doe",
        "phone": "+1234567890",
        "avatar_url": "https://cdn.example.com/j.png",
    }
    reply = call("directory", "PUT", "/users/me", principal=principal, body=seed_001)
    assert reply.status == 200, reply.body
    assert (reply.data["avatarUrl"], reply.data["avatar"]) == ("https://cdn.example.com/j.png",) * 2

    seed_002 = {"name": "Updated Name", "avatarUrl": "https://new-avatar-url.com"}
    reply = call("directory", "PUT", "/user/profile", principal=principal, body=seed_002)
    assert reply.status == 200, reply.body
    user = reply.data["user"]
    assert (user["name"], user["avatarUrl"], user["version"]) == (
        "Updated Name",
        "https://new-avatar-url.com",
        2,
    )


def test_nested_objects_merge_and_null_clears(aws: Settings) -> None:
    _, principal = owner()
    first = {
        "address": {"city": "Mumbai", "country": "India"},
        "preferences": {"notifications": {"sms": True}},
    }
    assert call("directory", "PUT", "/users/me", principal=principal, body=first).status == 200
    # the time zone alone changes: the notification choice stays; the city alone is cleared
    later = {"address": {"city": None}, "preferences": {"timezone": "Europe/London"}}
    data = call("directory", "PUT", "/users/me", principal=principal, body=later).data
    assert data["address"] == {
        "street": None,
        "city": None,
        "state": None,
        "zipCode": None,
        "country": "India",
    }
    assert data["preferences"]["notifications"]["sms"] is True
    assert data["preferences"]["timezone"] == "Europe/London"
    cleared = call("directory", "PUT", "/users/me", principal=principal, body={"address": None}).data
    assert cleared["address"] is None


def test_a_put_that_changes_nothing_keeps_the_version_and_writes_nothing(aws: Settings) -> None:
    done, principal = owner()
    assert (
        call("directory", "PUT", "/users/me", principal=principal, body={"phone": "+1234567890"}).status
        == 200
    )
    for body in (
        {},
        {"phone": "+1234567890"},
        {"name": "Ada Owner", "email": EMAIL},
        {"preferences": {"language": "en"}},
    ):
        reply = call("directory", "PUT", "/users/me", principal=principal, body=body)
        assert reply.status == 200, (body, reply.body)
        assert reply.headers["ETag"] == '"v1"', body
    assert actions(done.organization.id).count("user.updated") == 1


def test_if_match_guards_against_lost_updates(aws: Settings) -> None:
    _, principal = owner()
    stale = {"If-Match": '"v0"'}
    assert (
        call(
            "directory", "PUT", "/users/me", principal=principal, body={"phone": "+1234567890"}, headers=stale
        ).status
        == 200
    )
    reply = call(
        "directory", "PUT", "/users/me", principal=principal, body={"phone": "+1234567899"}, headers=stale
    )
    assert reply.status == 412, reply.body
    assert accounts.get_user(principal.user_id).phone == "+1234567890"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+1 (555) 010--0199"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"preferences": {"timezone": "Mars/Olympus"}}, "preferences.timezone"),
        ({"preferences": {"timezone": "localtime"}}, "preferences.timezone"),
        ({"preferences": {"language": "english"}}, "preferences.language"),
        ({"avatarUrl": "http://cdn.example.com/a.png"}, "avatarUrl"),
        ({"avatarUrl": "https://..."}, "avatarUrl"),
        ({"avatarUrl": "https://user:pw@cdn.example.com/a.png"}, "avatarUrl"),
        ({"avatarUrl": "javascript:alert(1)"}, "avatarUrl"),
        ({"email": "someone-else@firm.example"}, "email"),
        ({"name": "Jo Do", "firstName": "Jo"}, "name"),
        ({"avatar": "https://a.example.com/1.png", "avatarUrl": "https://a.example.com/2.png"}, "avatarUrl"),
        ({"role": "admin"}, "role"),
        ({"orgId": "org_x"}, "orgId"),
        ({"version": 7}, "version"),
        ({"firstName": None}, "firstName"),
        ({"preferences": {"notifications": {"sms": "yes"}}}, "preferences.notifications.sms"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(
    aws: Settings, body: dict[str, Any], field: str
) -> None:
    _, principal = owner()
    reply = call("directory", "PUT", "/users/me", principal=principal, body=body)
    assert reply.status == 400, reply.body
    assert field in [d["field"] for d in reply.error["details"]], reply.error
    assert call("directory", "GET", "/users/me", principal=principal).headers["ETag"] == '"v0"'


def test_the_email_refusal_says_why(aws: Settings) -> None:
    _, principal = owner()
    reply = call("directory", "PUT", "/users/me", principal=principal, body={"email": "new@firm.example"})
    assert "verified" in reply.error["message"]
    assert accounts.get_user(principal.user_id).email == EMAIL


def test_canonical_forms_are_stored(aws: Settings) -> None:
    _, principal = owner()
    body = {"preferences": {"language": "EN-in"}, "phone": "+44 20 7946 0958"}
    data = call("directory", "PUT", "/users/me", principal=principal, body=body).data
    assert data["preferences"]["language"] == "en-IN"
    assert data["phone"] == "+44 20 7946 0958"
    # a phone with whitespace around it does not match the pattern the spec states: refused, as
    # the spec says, not trimmed into one that does
    padded = call("directory", "PUT", "/users/me", principal=principal, body={"phone": " +44 20 7946 0958 "})
    assert padded.status == 400, padded.body
    assert "phone" in str(padded.body)


def test_an_api_key_has_no_profile(aws: Settings) -> None:
    _, principal = owner()
    _, key = apikeys.create(principal, "Integration", ["*"])
    integration = authenticate_rest({"X-API-Key": key})
    for method in ("GET", "PUT"):
        reply = call(
            "directory", method, "/users/me", principal=integration, body={} if method == "PUT" else None
        )
        assert reply.status == 403, reply.body
