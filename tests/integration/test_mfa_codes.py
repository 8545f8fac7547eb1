"""MFA codes: anything that is not a code's shape is a clear 400 (never a 500), and every time MFA
uses comes from `docket.clock`, so a frozen clock decides which code is current."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from docket import clock
from docket.identity import accounts, mfa
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, register

EMAIL = "owner@firm.example"
#: far from the real time, so only a code for this moment can pass if MFA reads the frozen clock
FROZEN = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(clock, "now", lambda: FROZEN)
    return FROZEN


def signed_in() -> Principal:
    register(EMAIL)
    return authenticate_rest(
        {"Authorization": f"Bearer {accounts.login(EMAIL, PASSWORD).tokens.access_token}"}
    )


#: strings the request model lets through (6 to 32 characters) that are no code of any kind
NOT_CODES = [
    "éééééé",  # the reproduction: hmac.compare_digest on non-ASCII str raised TypeError
    "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits: str.isdigit() says yes, TOTP says no
    "12345a",
    "1234567",
    "abcdef-ghijkl",  # a backup code's shape, not its hex digits
]


@pytest.mark.parametrize("code", NOT_CODES)
def test_a_setup_code_that_is_not_six_digits_is_a_clear_400(aws: Settings, code: str) -> None:
    # Given a user who started enrolling an authenticator app
    principal = signed_in()
    assert call("auth", "POST", "/mfa/setup/initialize", principal=principal).status == 200

    # When they confirm with something that is not a code
    reply = call("auth", "POST", "/mfa/setup/verify", principal=principal, body={"code": code})

    # Then it is a 400 that says what a code looks like, and MFA stays off
    assert reply.status == 400, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert "6 digits" in reply.error["message"]
    assert reply.error["details"][0]["field"] == "code"
    assert accounts.get_user(principal.user_id).mfa_enabled is False


@pytest.mark.parametrize("code", NOT_CODES)
def test_a_second_factor_that_is_no_code_is_a_400(aws: Settings, code: str) -> None:
    # Given a user with MFA
    principal = signed_in()
    mfa.confirm(principal.user_id, pyotp.TOTP(mfa.initialize(principal.user_id).secret).now())

    # When they try to disable it with something that is not a code
    reply = call("auth", "DELETE", "/mfa/disable", principal=principal, body={"code": code})

    # Then it is a 400 naming both kinds of code, and MFA stays on
    assert reply.status == 400, reply.body
    assert "backup code" in reply.error["message"]
    assert accounts.get_user(principal.user_id).mfa_enabled is True


def test_the_code_of_the_frozen_clock_is_the_current_one(aws: Settings, frozen: datetime) -> None:
    # Given a user enrolling while the clock stands still, years from now
    principal = signed_in()
    totp = pyotp.TOTP(mfa.initialize(principal.user_id).secret)

    # When they confirm with the code of the real time
    real_time_code = totp.at(datetime.now(UTC))
    assert totp.at(frozen) != real_time_code
    with pytest.raises(accounts.ValidationFailed):
        mfa.confirm(principal.user_id, real_time_code)

    # Then it is refused, and the frozen moment's code is accepted
    assert len(mfa.confirm(principal.user_id, totp.at(frozen))) == mfa.BACKUP_CODES
