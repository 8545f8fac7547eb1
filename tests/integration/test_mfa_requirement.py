"""An organization that requires MFA: its members without MFA get an enrolment-only session at
login, which becomes a full one as soon as they enrol; nobody there can disable MFA."""

from __future__ import annotations

import time

import pyotp
import pytest

from docket.errors import Forbidden
from docket.identity import accounts, mfa
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, register


def principal_of(access_token: str) -> Principal:
    """What the authorizer makes of the token (as API Gateway would pass it on)."""
    return authenticate_rest({"Authorization": f"Bearer {access_token}"})


def enrol(principal: Principal) -> str:
    secret = mfa.initialize(principal.user_id).secret
    mfa.confirm(principal.user_id, pyotp.TOTP(secret).now())
    return secret


def test_only_an_administrator_with_mfa_may_require_it(aws: Settings) -> None:
    owner = register("owner@firm.example")
    owner_principal = principal_of(accounts.login("owner@firm.example", PASSWORD).tokens.access_token)
    # the owner cannot require what they do not have themselves (or they would lock the firm out)
    with pytest.raises(Forbidden):
        accounts.set_require_mfa(owner_principal, True)
    secret = enrol(owner_principal)
    accounts.set_require_mfa(owner_principal, True)
    assert accounts.get_organization(owner.organization.id).require_mfa is True
    # a staff member may not change it either way
    _add_member(owner.organization.id, "member@firm.example")
    member = principal_of(accounts.login("member@firm.example", PASSWORD).tokens.access_token)
    with pytest.raises(Forbidden):
        accounts.set_require_mfa(member, False)

    # the owner, who has MFA, signs in as before: a challenge, then a full session
    login = call("auth", "POST", "/auth/login", body={"email": "owner@firm.example", "password": PASSWORD})
    assert login.data["mfaRequired"] is True
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)
    done = call(
        "auth", "POST", "/auth/verify-mfa", body={"mfaToken": login.data["mfaToken"], "mfaCode": code}
    )
    assert done.status == 200, done.body
    assert done.data["mfaSetupRequired"] is False
    assert principal_of(done.data["accessToken"]).mfa_setup_required is False


def test_an_enrolment_only_session_opens_up_after_enrolment(aws: Settings) -> None:
    owner = register("owner@firm.example")
    owner_principal = principal_of(accounts.login("owner@firm.example", PASSWORD).tokens.access_token)
    enrol(owner_principal)
    accounts.set_require_mfa(owner_principal, True)
    # a second member of the same firm, without MFA
    member_id = _add_member(owner.organization.id, "member@firm.example")

    login = call("auth", "POST", "/auth/login", body={"email": "member@firm.example", "password": PASSWORD})
    assert login.status == 200, login.body
    assert login.data["mfaSetupRequired"] is True
    principal = principal_of(login.data["accessToken"])
    assert principal.user_id == member_id
    assert principal.mfa_setup_required is True

    # everything but enrolment is refused with a code the client can act on
    refused = call("helpdesk", "GET", "/feedback", principal=principal)
    assert refused.status == 403
    assert refused.error["code"] == "MFA_SETUP_REQUIRED"
    assert call("auth", "GET", "/auth/api-keys", principal=principal).status == 403
    assert call("auth", "GET", "/mfa/check", principal=principal).data["requiredByOrganization"] is True
    enrollment = call("auth", "POST", "/mfa/setup/initialize", principal=principal)
    assert enrollment.status == 200
    code = pyotp.TOTP(enrollment.data["secret"]).now()
    assert call("auth", "POST", "/mfa/setup/verify", principal=principal, body={"code": code}).status == 200

    # the very same access token now works everywhere (the authorizer reads the session)
    opened = principal_of(login.data["accessToken"])
    assert opened.mfa_setup_required is False
    assert call("helpdesk", "GET", "/feedback", principal=opened).status == 200
    # and MFA cannot be switched off while the firm requires it
    with pytest.raises(Forbidden):
        mfa.disable(member_id, pyotp.TOTP(enrollment.data["secret"]).at(int(time.time()) + 30))


def _add_member(org_id: str, email: str) -> str:
    """A user who is a staff member of `org_id` (the directory issue adds invitations)."""
    from docket import clock
    from docket.data.models import org_key
    from docket.identity import passwords, roles
    from docket.ids import new_id

    user_id, now = new_id("usr"), clock.iso()
    accounts.User(
        pk=f"USER#{user_id}",
        sk="META",
        id=user_id,
        email=email,
        first_name="Mo",
        last_name="Member",
        password_hash=passwords.hash_password(PASSWORD),
        default_org_id=org_id,
        created_at=now,
    ).save()
    accounts.EmailClaim(pk=f"EMAIL#{email}", sk="EMAIL", user_id=user_id).save()
    accounts.Membership(
        pk=f"{org_key(org_id)}#MEMBER#{user_id}",
        sk="META",
        org_id=org_id,
        user_id=user_id,
        roles=[roles.STAFF],
        joined_at=now,
    ).save()
    accounts.UserOrganization(
        pk=f"USER#{user_id}", sk=f"ORG#{org_id}", org_id=org_id, user_id=user_id, roles=[roles.STAFF]
    ).save()
    return user_id
