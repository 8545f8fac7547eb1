"""MFA end to end: enable with a real TOTP code, login then requires it, a backup code works once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest

from tests.e2e.test_identity_flow import PASSWORD, register_firm

pytestmark = pytest.mark.e2e


def next_code(secret: str, after: str | None = None) -> str:
    """A valid code; when `after` was just used, the next step's (accepted within the ±1 step window)."""
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    return totp.at(now + 30) if totp.at(now) == after else totp.at(now)


def test_mfa_enrol_login_backup_code_and_disable(api: httpx.Client, mailbox: Callable[..., Any]) -> None:
    email, _ = register_firm(api)
    session = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    auth = {"Authorization": f"Bearer {session['accessToken']}"}
    assert api.get("/mfa/check", headers=auth).json()["data"]["enabled"] is False

    # enrol: secret, otpauth URI and a QR code image
    enrollment = api.post("/mfa/setup/initialize", headers=auth).json()["data"]
    assert enrollment["otpauthUrl"].startswith("otpauth://totp/Docket:")
    assert enrollment["qrCode"].startswith("data:image/svg+xml")
    assert api.post("/mfa/setup/verify", json={"code": "000000"}, headers=auth).status_code == 400
    first = next_code(enrollment["secret"])
    confirmed = api.post("/mfa/setup/verify", json={"code": first}, headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    backup_codes = confirmed.json()["data"]["backupCodes"]
    assert len(backup_codes) == 10
    assert api.get("/mfa/check", headers=auth).json()["data"] == {
        "enabled": True,
        "requiredByOrganization": False,
        "backupCodesRemaining": 10,
    }

    # login now asks for the second factor, and no tokens come back without it
    challenge = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    assert challenge["mfaRequired"] is True
    assert "accessToken" not in challenge
    # the code used for enrolment cannot be replayed
    replay = api.post("/auth/verify-mfa", json={"email": email, "password": PASSWORD, "mfa_code": first})
    assert replay.status_code == 400
    fresh = next_code(enrollment["secret"], after=first)
    verified = api.post("/auth/verify-mfa", json={"email": email, "password": PASSWORD, "mfa_code": fresh})
    assert verified.status_code == 200, verified.text
    assert verified.json()["data"]["accessToken"]

    # a backup code works once
    body = {"email": email, "password": PASSWORD, "mfaCode": backup_codes[0]}
    assert api.post("/auth/verify-mfa", json=body).status_code == 200
    assert api.post("/auth/verify-mfa", json=body).status_code == 400
    # protocol endpoints refuse a password alone for an MFA account
    assert (
        api.post(
            "/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
        ).status_code
        == 400
    )

    # disabling needs a code
    assert api.request("DELETE", "/mfa/disable", json={"code": "123456"}, headers=auth).status_code == 400
    assert (
        api.request("DELETE", "/mfa/disable", json={"code": backup_codes[1]}, headers=auth).status_code == 200
    )
    plain = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    assert plain["accessToken"]
