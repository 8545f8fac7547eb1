"""Platform administrators (seed 002's `/admin`): made by a command, signing in at their own door,
holding the platform permissions no firm role can, acting across tenants, every action logged."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from docket.access.roles import CustomRole
from docket.admin import admins
from docket.credits import plans
from docket.credits.usage import UsageKind
from docket.data.transactions import transaction
from docket.errors import AuthenticationFailed, Conflict
from docket.identity import accounts, apikeys, sessions
from docket.ids import new_id
from docket.security import permissions
from docket.security.authorizer import authenticate_rest, authenticate_websocket
from docket.security.principal import Principal
from docket.security.tokens import TokenClaims, issue_access_token
from docket.settings import Settings
from tests.integration.credits_support import FREE, answer, credits, signed_in
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD

pytestmark = pytest.mark.usefixtures("frozen")

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Platform-Keeper-91"


def make_admin(email: str = ADMIN_EMAIL) -> admins.Created:
    created = admins.create(email, name="Admin User", operator="tests")
    accounts.reset_password(created.password_token, ADMIN_PASSWORD)
    return created


def admin_principal(email: str = ADMIN_EMAIL) -> Principal:
    token = admins.sign_in(email, ADMIN_PASSWORD).tokens.access_token
    return authenticate_rest({"Authorization": f"Bearer {token}"})


def admin_call(method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
    return call("admin", method, path, principal=principal, **kwargs)


def test_the_command_makes_an_administrator_who_signs_in_outside_every_firm(aws: Settings) -> None:
    # Given an administrator made by the command, who set their password with its one-time token
    created = make_admin()
    assert created.created
    # When they sign in at the administrators' door
    reply = call(
        "admin", "POST", "/admin/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert reply.status == 200, reply.body
    token = reply.data["accessToken"]
    # Then their token names no firm, and carries the platform role
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "custom:org_id" not in claims
    assert claims["custom:platform_role"] == "admin"
    assert reply.data["user"] == {
        "id": created.user.id,
        "email": ADMIN_EMAIL,
        "name": "Admin User",
        "role": "admin",
    }
    # And the authorizer gives them the platform permissions, and nothing of a firm
    principal = authenticate_rest({"Authorization": f"Bearer {token}"})
    assert (principal.platform, principal.org_id) == (True, "")
    assert set(principal.permissions) == {str(p) for p in permissions.PLATFORM_PERMISSIONS}
    assert not principal.holds(permissions.FEEDBACK_READ)


def test_the_firm_login_does_not_let_an_administrator_in(aws: Settings) -> None:
    make_admin()
    reply = call("auth", "POST", "/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert reply.status == 403, reply.body


def test_the_administrators_door_refuses_everyone_else_alike(aws: Settings) -> None:
    make_admin()
    signed_in("owner@firm.example")
    for email, password in (
        (ADMIN_EMAIL, "Wrong-Pass-000"),
        ("owner@firm.example", PASSWORD),
        ("x@y.example", "z"),
    ):
        reply = call("admin", "POST", "/admin/auth/login", body={"email": email, "password": password})
        assert reply.status == 401, reply.body
        assert reply.error["message"] == "Invalid email or password"


def test_the_command_never_promotes_a_firms_user_and_renews_an_administrators_link(aws: Settings) -> None:
    signed_in("owner@firm.example")
    with pytest.raises(Conflict):
        admins.create("Owner@Firm.example", operator="tests")
    first = make_admin()
    again = admins.create(ADMIN_EMAIL, operator="tests")
    assert (again.created, again.user.id) == (False, first.user.id)
    accounts.reset_password(again.password_token, "Another-Keeper-77")
    assert admins.sign_in(ADMIN_EMAIL, "Another-Keeper-77").user.id == first.user.id


def test_a_firm_owner_is_not_a_platform_administrator(aws: Settings) -> None:
    # Given a firm's owner, whose role holds `*`, and an API key of theirs holding `*`
    owner = signed_in()
    _, key = apikeys.create(owner, "Everything", ["*"])
    integration = authenticate_rest({"X-API-Key": key})
    make_admin()
    target = admins.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).user.id
    role = {"role": "vip", "reason": "self-promotion"}
    for caller in (owner, integration):
        # When they call the platform's routes, Then each is refused, and nothing changes
        for method, path, body in (
            ("GET", "/admin/users", None),
            ("GET", "/admin/statistics", None),
            ("GET", "/admin/logs", None),
            ("PUT", f"/admin/users/{owner.user_id}/role", role),
            ("PUT", f"/admin/users/{target}/role", role),
        ):
            refused = admin_call(method, path, caller, body=body)
            assert refused.status == 403, (caller.auth_method, method, path, refused.body)
            assert refused.error["code"] == "AUTHORIZATION_FAILED"
    assert credits(owner)["plan"] == "free"


def test_no_firm_member_holds_a_platform_permission_whatever_their_role_grants(aws: Settings) -> None:
    # Given a firm member whose custom role names platform permissions (stored before any check
    # could refuse it: a role gone wrong)
    owner = signed_in()
    wrong = CustomRole(
        id=new_id(CustomRole.ID_PREFIX),
        org_id=owner.org_id,
        number=99,
        name="Gone wrong",
        slug="gone-wrong",
        permissions=["platform:users", "platform:logs", "feedback:read"],
    )
    with transaction(owner) as tx:
        tx.save(wrong)
    membership = accounts.Membership.get(*accounts.membership_key(owner.org_id, owner.user_id))
    membership.update(actions=[accounts.Membership.roles.set([wrong.id])])
    # When they make a request, Then the authorizer gives them the firm grants of the role only
    token = accounts.login("owner@firm.example", PASSWORD).tokens.access_token
    principal = authenticate_rest({"Authorization": f"Bearer {token}"})
    assert principal.permissions == ("feedback:read",)
    assert admin_call("GET", "/admin/users", principal).status == 403


def test_tokens_that_mix_a_firm_and_the_platform_are_refused(aws: Settings) -> None:
    owner = signed_in()
    firm_session = sessions.start(user_id=owner.user_id, org_id=owner.org_id, permissions=("*",))
    # a platform claim on a firm session, and a platform token that also names a firm
    forged = [
        issue_access_token(
            TokenClaims(
                user_id=owner.user_id, org_id="", platform_role="admin", session_id=firm_session.session_id
            )
        ),
        issue_access_token(
            TokenClaims(
                user_id=owner.user_id,
                org_id="",
                platform_role="admin",
                session_id=firm_session.session_id,
                extra={"custom:org_id": owner.org_id},
            )
        ),
    ]
    for token in forged:
        with pytest.raises(AuthenticationFailed):
            authenticate_rest({"Authorization": f"Bearer {token}"})


def test_an_administrator_acts_in_no_firm_and_has_no_socket(aws: Settings) -> None:
    make_admin()
    admin = admin_principal()
    refused = call("helpdesk", "GET", "/feedback", principal=admin)
    assert refused.status == 403, refused.body
    assert "firm account" in refused.error["message"]
    assert call("directory", "GET", "/user/credits", principal=admin).status == 403
    token = admins.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).tokens.access_token
    with pytest.raises(AuthenticationFailed):
        authenticate_websocket({"token": token})


def test_a_refreshed_administrator_session_stays_a_platform_session(aws: Settings) -> None:
    make_admin()
    signed = admins.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    rotated = sessions.rotate(signed.tokens.refresh_token)
    principal = authenticate_rest({"Authorization": f"Bearer {rotated.access_token}"})
    assert (principal.platform, principal.org_id) == (True, "")


def test_signing_out_ends_the_session_at_once(aws: Settings) -> None:
    make_admin()
    token = admins.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).tokens.access_token
    admin = authenticate_rest({"Authorization": f"Bearer {token}"})
    assert admin_call("POST", "/admin/auth/logout", admin).status == 200
    with pytest.raises(AuthenticationFailed):
        authenticate_rest({"Authorization": f"Bearer {token}"})
    actions = [e["action"] for e in admin_call("GET", "/admin/logs", admin_principal()).data["logs"]]
    assert actions[:3] == ["ADMIN_SIGN_IN", "ADMIN_SIGN_OUT", "ADMIN_SIGN_IN"]


def _users(admin: Principal, **query: str) -> Any:
    reply = admin_call("GET", "/admin/users", admin, query=query)
    assert reply.status == 200, reply.body
    return reply.data


def test_the_directory_lists_every_firms_users_newest_first_across_its_shards(aws: Settings) -> None:
    # Given seven users in seven firms (their accounts spread over the directory's shards)
    members = [signed_in(f"member{index}@firm{index}.example") for index in range(7)]
    make_admin()
    admin = admin_principal()
    everyone = [m.user_id for m in reversed(members)]
    # When an administrator lists them (seed 002's default page of 50)
    listed = _users(admin)
    # Then every user of every firm is there, newest first, with seed 002's fields
    assert [u["id"] for u in listed["users"]][1:] == everyone  # the administrator is the newest
    first = listed["users"][1]
    assert set(first) == {"id", "email", "name", "role", "totalTokensUsed", "lastActive", "createdAt"}
    assert (first["role"], first["name"], first["totalTokensUsed"]) == ("free", "Ada Owner", 0)
    assert first["lastActive"] is not None  # they signed in
    # And the cursor walks every page once, whatever shard each user is in
    seen: list[str] = []
    query: dict[str, str] = {"limit": "3"}
    while True:
        page = _users(admin, **query)
        seen += [u["id"] for u in page["users"]]
        if not page["pagination"]["hasNext"]:
            break
        query = {"limit": "3", "cursor": page["pagination"]["nextCursor"]}
    assert seen == [u["id"] for u in listed["users"]]
    # And page numbers count from the statistics' counters
    second = _users(admin, page="2", limit="3")
    assert [u["id"] for u in second["users"]] == seen[3:6]
    assert (second["pagination"]["total"], second["pagination"]["totalPages"]) == (8, 3)


def test_the_directory_filters_by_plan_role_and_searches_email_or_name(aws: Settings) -> None:
    members = [signed_in(f"member{index}@firm{index}.example") for index in range(3)]
    make_admin()
    admin = admin_principal()
    upgrade = {"role": "pay", "reason": "User upgraded to paid plan"}
    assert admin_call("PUT", f"/admin/users/{members[1].user_id}/role", admin, body=upgrade).status == 200
    assert [u["id"] for u in _users(admin, role="pay")["users"]] == [members[1].user_id]
    assert [u["id"] for u in _users(admin, role="admin")["users"]] == [admin.user_id]
    assert [u["id"] for u in _users(admin, search="MEMBER2@")["users"]] == [members[2].user_id]
    assert len(_users(admin, search="ada owner")["users"]) == 3
    counted = _users(admin, search="firm", page="1")
    assert counted["pagination"]["total"] == 3
    refused = admin_call("GET", "/admin/users", admin, query={"role": "owner"})
    assert refused.status == 400, refused.body


def test_changing_a_plan_role_changes_the_allowance_now_and_is_logged(aws: Settings) -> None:
    # Given a free user who spent 250 tokens
    member = signed_in("member@firm.example")
    answer(member, 250)
    make_admin()
    admin = admin_principal()
    # When an administrator gives them the paid plan, with seed 002's request
    body = {"role": "pay", "reason": "User upgraded to paid plan"}
    reply = admin_call("PUT", f"/admin/users/{member.user_id}/role", admin, body=body)
    # Then seed 002's answer, with the role's ETag
    assert reply.status == 200, reply.body
    assert reply.data["user"]["id"] == member.user_id
    assert (reply.data["user"]["email"], reply.data["user"]["role"]) == ("member@firm.example", "pay")
    assert reply.headers["ETag"] == '"v2"'
    # And the user's allowance is the paid plan's at once; what was used stays used
    paid = plans.ALLOWANCES[plans.Plan.PAY]
    assert credits(member) | {"lastReset": None, "nextReset": None} == {
        "totalTokens": paid,
        "usedTokens": 250,
        "remainingTokens": paid - 250,
        "lastReset": None,
        "nextReset": None,
        "plan": "pay",
    }
    # And the admin log says who did it, to whom, and why (seed 002's shape)
    [logged] = admin_call("GET", "/admin/logs", admin, query={"action": "UPDATE_USER_ROLE"}).data["logs"]
    assert logged["adminUser"] == {"id": admin.user_id, "email": ADMIN_EMAIL, "name": "Admin User"}
    assert logged["targetUser"] == {"id": member.user_id, "email": "member@firm.example", "name": None}
    assert logged["details"] == {"oldRole": "free", "newRole": "pay", "reason": "User upgraded to paid plan"}

    # When the same role is sent again: nothing changes, nothing is logged
    same = admin_call("PUT", f"/admin/users/{member.user_id}/role", admin, body=body)
    assert (same.status, same.headers["ETag"]) == (200, '"v2"')
    assert (
        len(admin_call("GET", "/admin/logs", admin, query={"action": "UPDATE_USER_ROLE"}).data["logs"]) == 1
    )

    # When the user goes back to free, having used more than free gives: nothing remains
    answer(member, FREE)
    down = {"role": "free", "reason": "Payment failed"}
    assert admin_call("PUT", f"/admin/users/{member.user_id}/role", admin, body=down).status == 200
    assert (credits(member)["totalTokens"], credits(member)["remainingTokens"]) == (FREE, 0)


def test_role_changes_that_are_refused_change_nothing(aws: Settings) -> None:
    member = signed_in("member@firm.example")
    make_admin()
    admin = admin_principal()
    path = f"/admin/users/{member.user_id}/role"
    cases = [
        ("PUT", path, {"role": "admin", "reason": "promote"}, {}, 400),  # only `make admin` makes admins
        ("PUT", path, {"role": "pay"}, {}, 400),  # the reason is required
        ("PUT", path, {"role": "pay", "reason": ""}, {}, 400),
        ("PUT", path, {"role": "pay", "reason": "x", "version": 9}, {}, 400),  # mass assignment
        ("PUT", path, {"role": "pay", "reason": "stale"}, {"If-Match": '"v7"'}, 412),
        ("PUT", f"/admin/users/{admin.user_id}/role", {"role": "free", "reason": "demote"}, {}, 403),
        ("PUT", "/admin/users/usr_01JUNKNOWNUSER0000000000000/role", {"role": "pay", "reason": "x"}, {}, 404),
    ]
    for method, target, body, headers, status in cases:
        reply = admin_call(method, target, admin, body=body, headers=headers)
        assert reply.status == status, (body, reply.body)
    assert credits(member)["plan"] == "free"
    assert admin_call("GET", "/admin/logs", admin, query={"action": "UPDATE_USER_ROLE"}).data["logs"] == []


def test_statistics_come_from_counters_kept_on_write(aws: Settings) -> None:
    # Given three sign-ups, their sign-ins, some research, and one upgrade
    members = [signed_in(f"member{index}@firm{index}.example") for index in range(3)]
    answer(members[0], 80, UsageKind.SEARCH)
    answer(members[0], 20)
    answer(members[1], 50)
    make_admin()
    admin = admin_principal()
    upgrade = {"role": "vip", "reason": "Partner firm"}
    assert admin_call("PUT", f"/admin/users/{members[2].user_id}/role", admin, body=upgrade).status == 200
    # When an administrator reads the month's statistics
    reply = admin_call("GET", "/admin/statistics", admin, query={"period": "month"})
    assert reply.status == 200, reply.body
    found = reply.data["statistics"]
    # Then seed 002's shape, with what happened
    assert found | {"dailyStats": None} == {
        "period": "month",
        "totalUsers": 4,
        "activeUsers": 4,
        "newUsers": 4,
        "totalTokensUsed": 150,
        "totalSearches": 1,
        "totalQA": 2,
        "totalConversations": 0,
        "usersByRole": {"free": 2, "pay": 0, "vip": 1, "admin": 1},
        "dailyStats": None,
    }
    [today] = found["dailyStats"]
    assert today | {"date": None} == {
        "date": None,
        "newUsers": 4,
        "activeUsers": 4,
        "tokensUsed": 150,
        "searches": 1,
        "qa": 2,
        "conversations": 0,
    }
    # And a user active twice in a day counts once
    accounts.login("member0@firm0.example", PASSWORD)
    again = admin_call("GET", "/admin/statistics", admin, query={"period": "day"}).data["statistics"]
    assert again["activeUsers"] == 4
    assert admin_call("GET", "/admin/statistics", admin, query={"period": "decade"}).status == 400
