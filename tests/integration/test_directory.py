"""The directory group: seed 001's `PUT /users/me/change-password`, and the organizations: profile,
settings, slug, counts, the caller's memberships and switching between them (the profile has its
own file, test_profile.py)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from docket.errors import AuthenticationFailed
from docket.identity import accounts, apikeys, mfa, sessions
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, actions, register
from tests.integration.test_mfa_requirement import _add_member

EMAIL = "owner@firm.example"
NEW_PASSWORD = "Another-Horse-77"


def sign_in(email: str = EMAIL, password: str = PASSWORD) -> tuple[Principal, dict[str, Any]]:
    reply = call("auth", "POST", "/auth/login", body={"email": email, "password": password})
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.data
    return authenticate_rest({"Authorization": f"Bearer {data['accessToken']}"}), data


def test_seed_001_change_password_keeps_this_session_and_ends_the_others(aws: Settings) -> None:
    done = register(EMAIL)
    here, _ = sign_in()
    elsewhere, _ = sign_in()

    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    reply = call("directory", "PUT", "/users/me/change-password", principal=here, body=body)

    assert reply.status == 200, reply.body
    with pytest.raises(AuthenticationFailed):
        accounts.login(EMAIL, PASSWORD)
    assert accounts.login(EMAIL, NEW_PASSWORD).tokens.access_token
    assert actions(done.organization.id).count("auth.password_changed") == 1
    # this session lives on, the other one ended
    assert sessions.active(here.session_id) is not None
    assert sessions.active(elsewhere.session_id) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "Wrong-Pass-000", "new_password": NEW_PASSWORD}, "currentPassword"),
        ({"currentPassword": PASSWORD, "newPassword": PASSWORD}, "newPassword"),
        ({"currentPassword": PASSWORD, "newPassword": "password"}, "newPassword"),
        ({"current_password": PASSWORD}, "newPassword"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "extra": 1}, "extra"),
    ],
)
def test_change_password_refusals_name_the_field(aws: Settings, body: dict[str, Any], field: str) -> None:
    register(EMAIL)
    here, _ = sign_in()
    reply = call("directory", "PUT", "/users/me/change-password", principal=here, body=body)
    assert reply.status == 400, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.error["details"]]
    assert accounts.login(EMAIL, PASSWORD).tokens.access_token  # unchanged


def test_api_keys_have_no_password_and_change_no_settings(aws: Settings) -> None:
    register(EMAIL)
    owner, _ = sign_in()
    _, key = apikeys.create(owner, "Integration", ["*"])
    integration = authenticate_rest({"X-API-Key": key})
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = call("directory", "PUT", "/users/me/change-password", principal=integration, body=body)
    assert changed.status == 403, changed.body
    settings = {"settings": {"requireMfa": False}}
    assert (
        call("directory", "PUT", "/organizations/me/settings", principal=integration, body=settings).status
        == 403
    )


def test_requiring_mfa_through_the_settings(aws: Settings) -> None:
    done = register(EMAIL)
    owner, _ = sign_in()
    on = {"settings": {"requireMfa": True}}
    # the owner cannot require what they do not have themselves
    refused = call("directory", "PUT", "/organizations/me/settings", principal=owner, body=on)
    assert refused.status == 403, refused.body
    mfa.confirm(owner.user_id, pyotp.TOTP(mfa.initialize(owner.user_id).secret).now())

    reply = call("directory", "PUT", "/organizations/me/settings", principal=owner, body=on)

    assert reply.status == 200, reply.body
    assert reply.data["organizationId"] == done.organization.id
    assert reply.data["settings"]["requireMfa"] is True
    assert accounts.get_organization(done.organization.id).require_mfa is True
    assert actions(done.organization.id).count("organization.settings_updated") == 1
    # no settings named: nothing changes, the settings are answered
    same = call("directory", "PUT", "/organizations/me/settings", principal=owner, body={"settings": {}})
    assert same.data["settings"] == reply.data["settings"]
    assert same.headers["ETag"] == reply.headers["ETag"]
    # snake_case works too; turning it off needs no MFA of anyone
    off = {"settings": {"require_mfa": False}}
    assert call("directory", "PUT", "/organizations/me/settings", principal=owner, body=off).status == 200
    assert accounts.get_organization(done.organization.id).require_mfa is False


def test_a_member_without_organizations_manage_may_not_change_settings(aws: Settings) -> None:
    done = register(EMAIL)
    _add_member(done.organization.id, "member@firm.example")
    member, _ = sign_in("member@firm.example")
    body = {"settings": {"requireMfa": False}}
    reply = call("directory", "PUT", "/organizations/me/settings", principal=member, body=body)
    assert reply.status == 403, reply.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"colour": "blue"}}, "settings.colour"),
        ({"settings": {"requireMfa": "yes"}}, "settings.requireMfa"),
        ({"settings": {"requireMfa": None}}, "settings.requireMfa"),
        ({}, "settings"),
    ],
)
def test_unknown_or_malformed_settings_are_refused_with_the_field(
    aws: Settings, body: dict[str, Any], field: str
) -> None:
    register(EMAIL)
    owner, _ = sign_in()
    reply = call("directory", "PUT", "/organizations/me/settings", principal=owner, body=body)
    assert reply.status == 400, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in reply.error["details"]]
