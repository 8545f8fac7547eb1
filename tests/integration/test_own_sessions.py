"""A user's own sessions: listed across their organizations, ended one by one or all but this one;
someone else's session is a 404, and callers without a session (API keys) are told so."""

from __future__ import annotations

from typing import Any

import pytest

from docket import clock
from docket.data.models import org_key
from docket.errors import AuthenticationFailed
from docket.identity import accounts, apikeys, sessions
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.integration.test_login_guard import PASSWORD, actions, register

EMAIL = "owner@firm.example"
LAPTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Gecko/20100101 Firefox/121.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Version/17.1 Mobile/15E148 Safari/604.1"


def sign_in(
    device: str = LAPTOP, *, email: str = EMAIL, organization_id: str | None = None
) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD, "organizationId": organization_id}
    reply = call("auth", "POST", "/auth/login", body=body, headers={"User-Agent": device})
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.data
    return data


def caller(signed_in: dict[str, Any]) -> Principal:
    """What the authorizer makes of the access token (as API Gateway would pass it on)."""
    return authenticate_rest({"Authorization": f"Bearer {signed_in['accessToken']}"})


def listed(principal: Principal, **query: str) -> Reply:
    reply = call("auth", "GET", "/auth/sessions", principal=principal, query=query)
    assert reply.status == 200, reply.body
    return reply


def session_id(signed_in: dict[str, Any]) -> str:
    return sessions.session_of(signed_in["refreshToken"])


def join(user_id: str, org_id: str) -> None:
    """Make an existing user a member of a second organization too."""
    accounts.Membership(
        pk=f"{org_key(org_id)}#MEMBER#{user_id}",
        sk="META",
        org_id=org_id,
        user_id=user_id,
        roles=["staff"],
        joined_at=clock.iso(),
    ).save()
    accounts.UserOrganization(
        pk=f"USER#{user_id}", sk=f"ORG#{org_id}", org_id=org_id, user_id=user_id, roles=["staff"]
    ).save()


def test_the_list_shows_live_sessions_in_every_organization_newest_first(aws: Settings) -> None:
    # Given a user of two firms, signed in to the first from a laptop and a phone, and to the second
    home = register(EMAIL)
    other = register("someone@else.example")
    join(home.user.id, other.organization.id)
    laptop, phone = sign_in(LAPTOP), sign_in(PHONE)
    elsewhere = sign_in(LAPTOP, organization_id=other.organization.id)

    # When the phone lists its sessions
    found = listed(caller(phone)).data

    # Then all three are there, newest first, the phone's marked current
    assert [s["id"] for s in found["sessions"]] == [session_id(x) for x in (elsewhere, phone, laptop)]
    assert [s["organizationId"] for s in found["sessions"]] == [
        other.organization.id,
        home.organization.id,
        home.organization.id,
    ]
    assert [s["current"] for s in found["sessions"]] == [False, True, False]
    first = found["sessions"][1]
    assert first["device"] == PHONE
    assert first["ip"] == "203.0.113.7"
    assert first["status"] == "active"
    assert first["createdAt"] <= first["lastUsedAt"] < first["expiresAt"]
    assert first["revokedAt"] is None
    assert found["pagination"]["hasNext"] is False


def test_revoked_and_expired_sessions_show_only_when_asked(aws: Settings) -> None:
    register(EMAIL)
    laptop, phone, tablet = sign_in(), sign_in(PHONE), sign_in("Tablet/1.0")
    me = caller(laptop)
    assert call("auth", "DELETE", f"/auth/sessions/{session_id(phone)}", principal=me).status == 200
    old = sessions.Session.get(f"SESSION#{session_id(tablet)}", "META")
    old.update(actions=[sessions.Session.expires_at.set("2020-01-01T00:00:00.000Z")])

    assert [s["id"] for s in listed(me).data["sessions"]] == [session_id(laptop)]
    everything = {s["id"]: s for s in listed(me, status="all").data["sessions"]}
    assert everything[session_id(laptop)]["status"] == "active"
    assert everything[session_id(phone)]["status"] == "revoked"
    assert everything[session_id(phone)]["revokedReason"] == "revoked by the user"
    assert everything[session_id(phone)]["revokedAt"] is not None
    assert everything[session_id(tablet)]["status"] == "expired"
    assert call("auth", "GET", "/auth/sessions", principal=me, query={"status": "gone"}).status == 400


def test_the_list_pages_with_a_cursor_bound_to_the_user(aws: Settings) -> None:
    register(EMAIL)
    register("someone@else.example")
    for device in ("A/1", "B/1", "C/1"):
        sign_in(device)
    me = caller(sign_in("D/1"))
    first = listed(me, limit="3").data
    assert len(first["sessions"]) == 3
    assert first["pagination"]["hasNext"] is True
    cursor = first["pagination"]["nextCursor"]
    rest = listed(me, limit="3", cursor=cursor).data
    assert [s["device"] for s in rest["sessions"]] == ["A/1"]
    assert rest["pagination"]["hasNext"] is False
    by_page = listed(me, limit="2", page="2").data
    assert [s["device"] for s in by_page["sessions"]] == ["B/1", "A/1"]
    # someone else's cursor is refused, not followed
    stranger = caller(sign_in(email="someone@else.example"))
    reply = call("auth", "GET", "/auth/sessions", principal=stranger, query={"limit": "3", "cursor": cursor})
    assert reply.status == 400


def test_ending_another_session_stops_its_tokens_and_is_audited(aws: Settings) -> None:
    home = register(EMAIL)
    laptop, phone = sign_in(), sign_in(PHONE)
    me = caller(laptop)

    reply = call("auth", "DELETE", f"/auth/sessions/{session_id(phone)}", principal=me)

    assert reply.status == 200, reply.body
    assert reply.data["status"] == "revoked"
    assert reply.data["current"] is False
    with pytest.raises(AuthenticationFailed):
        caller(phone)
    refused = call("auth", "POST", "/auth/refresh", body={"refreshToken": phone["refreshToken"]})
    assert refused.status == 401
    # the laptop is untouched
    assert caller(laptop).session_id == session_id(laptop)
    assert actions(home.organization.id).count("auth.session_revoked") == 1
    # ending it again changes nothing and records nothing
    assert call("auth", "DELETE", f"/auth/sessions/{session_id(phone)}", principal=me).status == 200
    assert actions(home.organization.id).count("auth.session_revoked") == 1


def test_someone_elses_session_and_an_unknown_one_are_not_found(aws: Settings) -> None:
    register(EMAIL)
    register("someone@else.example")
    mine = sign_in()
    theirs = sign_in(email="someone@else.example")
    for target in (session_id(theirs), "ses_01J000000000000000000000", "nothing"):
        reply = call("auth", "DELETE", f"/auth/sessions/{target}", principal=caller(mine))
        assert reply.status == 404, reply.body
        assert reply.error["code"] == "RESOURCE_NOT_FOUND"
    assert caller(theirs).session_id == session_id(theirs)


def test_ending_the_current_session_is_a_logout(aws: Settings) -> None:
    register(EMAIL)
    laptop = sign_in()
    reply = call("auth", "DELETE", f"/auth/sessions/{session_id(laptop)}", principal=caller(laptop))
    assert reply.status == 200, reply.body
    assert reply.data["current"] is True
    assert reply.data["revokedReason"] == "logout"
    assert "Max-Age=0" in reply.headers["Set-Cookie"]  # the session cookies are cleared
    with pytest.raises(AuthenticationFailed):
        caller(laptop)


def test_revoke_others_keeps_this_session_only(aws: Settings) -> None:
    home = register(EMAIL)
    sign_in(PHONE)
    sign_in("Tablet/1.0")
    expired = sign_in("Old/1.0")
    stale = sessions.Session.get(f"SESSION#{session_id(expired)}", "META")
    stale.update(actions=[sessions.Session.expires_at.set("2020-01-01T00:00:00.000Z")])
    laptop = sign_in()
    me = caller(laptop)

    reply = call("auth", "POST", "/auth/sessions/revoke-others", principal=me)

    assert reply.status == 200, reply.body
    assert reply.data == {"revoked": 2}  # the expired one had already ended
    assert [s["id"] for s in listed(me).data["sessions"]] == [session_id(laptop)]
    assert actions(home.organization.id).count("auth.session_revoked") == 2
    assert call("auth", "POST", "/auth/sessions/revoke-others", principal=me).data == {"revoked": 0}


def test_api_key_callers_have_no_sessions_to_manage(aws: Settings) -> None:
    register(EMAIL)
    owner = caller(sign_in())
    _, key = apikeys.create(owner, "Integration", ["*"])
    integration = authenticate_rest({"X-API-Key": key})
    for method, path in (
        ("GET", "/auth/sessions"),
        ("POST", "/auth/sessions/revoke-others"),
        ("DELETE", f"/auth/sessions/{owner.session_id}"),
    ):
        reply = call("auth", method, path, principal=integration)
        assert reply.status == 403, (method, path, reply.body)
        assert "session" in reply.error["message"]
    assert caller(sign_in()).session_id  # nothing was revoked
