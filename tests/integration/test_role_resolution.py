"""The authorizer resolves role → permissions on every request: a changed role, a changed or revoked
membership takes effect on the holder's next request, whatever the token says (its `scope` is
informational); API keys hold their grants only as far as their creator still does."""

from __future__ import annotations

import jwt
import pytest

from docket.access import roles as access_roles
from docket.identity import accounts, apikeys, sessions
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from infra.tools.bench import CallCounter
from tests.integration.support import call
from tests.integration.test_tokens import authorize, forge, signed
from tests.members import make_member, member_session

ORG = "org_A"


def permissions_now(token: str) -> list[str]:
    """What the authorizer grants the token's holder on a request made now."""
    return authorize({"Authorization": f"Bearer {token}"})["context"]["permissions"].split(",")


def refused(token: str) -> bool:
    try:
        authorize({"Authorization": f"Bearer {token}"})
    except Exception as exc:  # the authorizer refuses with Exception("Unauthorized")
        if str(exc) == "Unauthorized":
            return True
        raise
    return False


def membership(user_id: str) -> accounts.Membership:
    return accounts.Membership.get(*accounts.membership_key(ORG, user_id))


def custom_role_of(user_id: str) -> access_roles.CustomRole:
    [ref] = [r for r in membership(user_id).roles if access_roles.is_custom_ref(r)]
    return access_roles.get_custom(ORG, ref)


def test_a_changed_custom_role_takes_effect_on_the_holders_next_request(aws: Settings) -> None:
    # Given a member whose custom role grants feedback:read, signed in
    token = member_session("usr_1", ORG, permissions=("feedback:read",)).access_token
    assert permissions_now(token) == ["feedback:read"]
    # When the role is changed to grant cases:read and cases:write instead
    role = custom_role_of("usr_1")
    role.update(actions=[access_roles.CustomRole.permissions.set(["cases:read", "cases:write"])])
    # Then the very same token carries exactly the new permissions on its next request
    assert permissions_now(token) == ["cases:read", "cases:write"]


def test_a_changed_membership_takes_effect_on_the_next_request(aws: Settings) -> None:
    # Given a staff member, signed in
    token = member_session("usr_1", ORG, roles=("staff",)).access_token
    assert "cases:write" not in permissions_now(token)
    # When the membership is changed to paralegal
    member = membership("usr_1")
    member.update(actions=[accounts.Membership.roles.set(["paralegal"])])
    # Then the next request carries the paralegal's permissions, and the roles say so
    result = authorize({"Authorization": f"Bearer {token}"})["context"]
    assert result["roles"] == "paralegal"
    assert "cases:write" in result["permissions"].split(",")


@pytest.mark.parametrize("how", ["revoked", "removed"])
def test_a_member_no_more_is_refused_on_the_next_request(aws: Settings, how: str) -> None:
    # Given a signed-in attorney
    tokens = member_session("usr_1", ORG, roles=("attorney",))
    assert not refused(tokens.access_token)
    # When the membership is revoked (or removed)
    if how == "revoked":
        membership("usr_1").update(actions=[accounts.Membership.status.set("revoked")])
    else:
        membership("usr_1").delete()
    # Then the token is refused (401), and so is a refresh
    assert refused(tokens.access_token)
    reply = call("auth", "POST", "/auth/refresh", body={"refreshToken": tokens.refresh_token})
    assert reply.status == 401, reply.body


def test_the_tokens_scope_is_not_what_authorizes(aws: Settings) -> None:
    # Given a staff member's genuine session, and a token of it signed with Docket's key whose
    # scope claims every permission and whose groups claim the owner role
    live = member_session("usr_1", ORG, roles=("staff",))
    payload = forge(aws, sid=live.session_id, sub="usr_1", scope="*", **{"cognito:groups": ["owner"]})
    token = signed(aws, payload)
    # When it is used
    context = authorize({"Authorization": f"Bearer {token}"})["context"]
    # Then the caller holds what the membership grants: staff, not owner
    assert context["roles"] == "staff"
    assert "*" not in context["permissions"].split(",")
    assert "feedback:write" in context["permissions"].split(",")


def test_a_session_acts_only_for_its_own_user_and_organization(aws: Settings) -> None:
    # Given usr_1's session, and usr_2, an owner of the same firm
    live = member_session("usr_1", ORG, roles=("staff",))
    make_member("usr_2", ORG, roles=("owner",))
    # When a token signed by Docket names usr_1's session but usr_2 as its subject
    token = signed(aws, forge(aws, sid=live.session_id, sub="usr_2"))
    # Then it is refused: the session is not usr_2's
    assert refused(token)


def test_a_refreshed_access_token_states_what_the_member_holds_now(aws: Settings) -> None:
    # Given a member signed in as staff, then made paralegal
    tokens = member_session("usr_1", ORG, roles=("staff",))
    membership("usr_1").update(actions=[accounts.Membership.roles.set(["paralegal"])])
    # When the session is refreshed
    reply = call("auth", "POST", "/auth/refresh", body={"refreshToken": tokens.refresh_token})
    assert reply.status == 200, reply.body
    # Then the new token's groups and scope are the paralegal's
    claims = jwt.decode(reply.data["accessToken"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["paralegal"]
    assert "cases:write" in claims["scope"].split()


def key_of(creator: Principal, grants: list[str]) -> str:
    _, full = apikeys.create(creator, "Integration", grants)
    return full


def signed_in(user_id: str) -> Principal:
    return authenticate_rest({"Authorization": f"Bearer {sessions_token(user_id)}"})


def sessions_token(user_id: str) -> str:
    started = sessions.start(user_id=user_id, org_id=ORG)
    return started.access_token


def test_an_api_key_loses_what_its_creator_loses(aws: Settings) -> None:
    # Given an owner's key holding cases:* and feedback:read
    make_member("usr_owner", ORG, roles=("owner",))
    key = key_of(signed_in("usr_owner"), ["cases:*", "feedback:read"])
    assert authenticate_rest({"X-API-Key": key}).permissions == ("cases:*", "feedback:read")
    # When its creator is made a paralegal (cases:read and cases:write, feedback:read; no deletes)
    membership("usr_owner").update(actions=[accounts.Membership.roles.set(["paralegal"])])
    # Then the key keeps only what its creator still holds, from the next request on
    assert authenticate_rest({"X-API-Key": key}).permissions == ("cases:read", "cases:write", "feedback:read")


def test_an_api_key_stops_when_its_creator_leaves(aws: Settings) -> None:
    # Given an owner's key
    make_member("usr_owner", ORG, roles=("owner",))
    key = key_of(signed_in("usr_owner"), ["feedback:read"])
    assert authenticate_rest({"X-API-Key": key}).permissions == ("feedback:read",)
    # When the creator's membership is revoked
    membership("usr_owner").update(actions=[accounts.Membership.status.set("revoked")])
    # Then the key is refused
    with pytest.raises(Exception, match="no longer a member"):
        authenticate_rest({"X-API-Key": key})


def test_resolution_costs_one_batch_read_and_one_more_for_custom_roles(aws: Settings) -> None:
    # Given a staff member and a member of a custom role, both signed in
    staff = member_session("usr_1", ORG, roles=("staff",)).access_token
    custom = member_session("usr_2", ORG, permissions=("feedback:read",)).access_token
    authorize({"Authorization": f"Bearer {staff}"})  # the key set is cached
    with CallCounter() as counter:
        # When each makes a request
        with counter.measuring() as system_only:
            authorize({"Authorization": f"Bearer {staff}"})
        with counter.measuring() as with_custom:
            authorize({"Authorization": f"Bearer {custom}"})
    # Then session + membership are one BatchGetItem, and the custom role one more
    assert dict(system_only) == {"dynamodb.BatchGetItem": 1}
    assert dict(with_custom) == {"dynamodb.BatchGetItem": 2}
