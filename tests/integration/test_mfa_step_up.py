"""Step-up for regenerating backup codes (seed 001's `POST /mfa/backup-codes/regenerate`, which has
no body): a session that completed MFA in the last few minutes regenerates with the seed's bare
request; any other session is asked for a current code with 403 `MFA_STEP_UP_REQUIRED`."""

from __future__ import annotations

import json
import time

import pyotp
import pytest

from docket.identity import accounts, mfa
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from infra.local.payloads import build_rest_event
from infra.tools.functions import load
from tests.integration.conftest import TimeTravel
from tests.integration.support import FakeContext, Reply, call
from tests.integration.test_login_guard import PASSWORD, register

EMAIL = "owner@firm.example"
REGENERATE = "/mfa/backup-codes/regenerate"


def principal_of(access_token: str) -> Principal:
    return authenticate_rest({"Authorization": f"Bearer {access_token}"})


def bare_post(path: str, principal: Principal) -> Reply:
    """A POST exactly as seed 001 writes it: the bearer token, no body, no Content-Type."""
    event = build_rest_event(
        method="POST",
        path=path,
        headers={"Authorization": "Bearer <token>"},
        body=None,
        authorizer={"principalId": principal.user_id, **principal.to_context()},
    )
    response = load("auth").handler(event, FakeContext())
    text = response.get("body")
    return Reply(
        response["statusCode"], dict(response.get("headers") or {}), json.loads(text) if text else None
    )


def enrolled() -> tuple[Principal, str, list[str]]:
    """An owner who enrolled MFA from a session opened by password alone (that session, the seed)."""
    register(EMAIL)
    before = principal_of(accounts.login(EMAIL, PASSWORD).tokens.access_token)
    secret = mfa.initialize(before.user_id).secret
    codes = mfa.confirm(before.user_id, pyotp.TOTP(secret).now())  # not from any session
    return before, secret, codes


def signed_in_with_mfa(secret: str) -> Principal:
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)  # the next step's: the current one was spent
    return principal_of(accounts.login(EMAIL, PASSWORD, mfa_code=code).tokens.access_token)


def test_a_session_that_just_completed_mfa_regenerates_with_the_seeds_bare_request(aws: Settings) -> None:
    # Given an owner who signed in with their second factor a moment ago
    _, secret, old_codes = enrolled()
    principal = signed_in_with_mfa(secret)

    # When they send seed 001's request: no body, no content type
    reply = bare_post(REGENERATE, principal)

    # Then they get ten new backup codes, and the old ones stop working
    assert reply.status == 200, reply.body
    new_codes = reply.data["backupCodes"]
    assert len(new_codes) == mfa.BACKUP_CODES
    user = accounts.get_user(principal.user_id)
    with pytest.raises(accounts.ValidationFailed):
        mfa.verify(user, old_codes[0])
    mfa.verify(accounts.get_user(principal.user_id), new_codes[0])


def test_a_session_that_never_completed_mfa_is_asked_for_a_code(aws: Settings) -> None:
    # Given an owner's session opened before MFA was enabled (by password alone)
    before, _, codes = enrolled()

    # When it sends the bare request
    refused = bare_post(REGENERATE, before)

    # Then it is asked, clearly, for a current code, and nothing changes
    assert refused.status == 403, refused.body
    assert refused.error["code"] == "MFA_STEP_UP_REQUIRED"
    assert '{"code": "123456"}' in refused.error["message"]
    assert refused.error["details"] == [
        {"field": "code", "message": "required: MFA was not completed in the last 5 minutes"}
    ]
    assert mfa.remaining_backup_codes(accounts.get_user(before.user_id)) == mfa.BACKUP_CODES

    # When it sends a backup code in the body, it regenerates
    stepped_up = call("auth", "POST", REGENERATE, principal=before, body={"code": codes[0]})
    assert stepped_up.status == 200, stepped_up.body
    # and the step-up counts as completing MFA: the bare request works for the next few minutes
    assert bare_post(REGENERATE, before).status == 200


def test_the_step_up_window_closes_after_five_minutes(aws: Settings, travel: TimeTravel) -> None:
    # Given an owner who signed in with MFA
    _, secret, _ = enrolled()
    principal = signed_in_with_mfa(secret)

    # When just over five minutes pass
    travel.forward(seconds=mfa.STEP_UP_WINDOW.total_seconds() + 1)

    # Then the bare request needs a code again, and a wrong one is refused
    assert bare_post(REGENERATE, principal).error["code"] == "MFA_STEP_UP_REQUIRED"
    wrong = call("auth", "POST", REGENERATE, principal=principal, body={"code": "000000"})
    assert wrong.status == 400
    assert wrong.error["code"] == "VALIDATION_ERROR"


def test_enrolling_completes_mfa_for_the_enrolling_session(aws: Settings) -> None:
    # Given an owner who enrols MFA through the API from their session
    register(EMAIL)
    principal = principal_of(accounts.login(EMAIL, PASSWORD).tokens.access_token)
    secret = call("auth", "POST", "/mfa/setup/initialize", principal=principal).data["secret"]
    confirmed = call(
        "auth", "POST", "/mfa/setup/verify", principal=principal, body={"code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status == 200, confirmed.body

    # When that session regenerates the backup codes with the bare request
    reply = bare_post(REGENERATE, principal)

    # Then it may: it has just proved the second factor
    assert reply.status == 200, reply.body
    assert reply.data["backupCodes"] != confirmed.data["backupCodes"]
