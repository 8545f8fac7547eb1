"""A sign-in from a device the account has not used before mails the user; the first sign-in of an
account, a known device and a browser update do not; a mail that cannot be sent fails no login."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from docket import clock
from docket.data.audit import AuditEntry, audit_partition
from docket.identity import accounts, devices, mfa
from docket.settings import Settings
from infra.local import mail as mailbox
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, register

#: audit entries are read by day: the clock stands still, so no midnight falls within a test
pytestmark = pytest.mark.usefixtures("frozen")

EMAIL = "owner@firm.example"
LAPTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
UPDATED = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/121.0.6167.85 Safari/537.36"
)
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0.0.0 Mobile Safari/537.36"
NOTICE = "New sign-in to your Docket account"


def notices() -> list[dict[str, Any]]:
    return [m for m in mailbox.messages(to=EMAIL) if m["subject"] == NOTICE]


def sign_in(device: str, ip: str = "203.0.113.7") -> None:
    body = {"email": EMAIL, "password": PASSWORD}
    reply = call("auth", "POST", "/auth/login", body=body, headers={"User-Agent": device}, source_ip=ip)
    assert reply.status == 200, reply.body


def login_audits(org_id: str) -> list[dict[str, Any]]:
    entries = AuditEntry.query(audit_partition(org_id, clock.iso()[:10]))
    return [e.changes for e in entries if isinstance(e, AuditEntry) and e.action == "auth.login"]


def test_only_a_new_device_after_the_first_sign_in_is_mailed_about(aws: Settings) -> None:
    done = register(EMAIL)
    # the very first sign-in of the account: its device is simply remembered
    sign_in(LAPTOP)
    assert notices() == []
    # the same device again, and after a browser update: still the same device
    sign_in(LAPTOP)
    sign_in(UPDATED)
    assert notices() == []

    # a phone: one mail, saying what, where from and when, and what to do if it was not the user
    sign_in(PHONE, ip="198.51.100.23")
    [notice] = notices()
    assert "Chrome on Android" in notice["text"]
    assert "198.51.100.23" in notice["text"]
    assert clock.iso()[:10] in notice["text"]
    assert "change your password" in notice["text"]
    assert "/auth/sessions/revoke-others" in notice["text"]
    assert notice["html"] is not None

    # and the phone again: known now
    sign_in(PHONE)
    assert len(notices()) == 1
    assert [c["newDevice"] for c in login_audits(done.organization.id)].count(True) == 1


def test_the_device_name_in_the_html_part_is_escaped(aws: Settings) -> None:
    register(EMAIL)
    sign_in(LAPTOP)
    sign_in("<script>alert(1)</script>")
    [notice] = notices()
    assert "<script>" not in notice["html"]
    assert "&lt;script&gt;" in notice["html"]


def test_completing_mfa_on_a_new_device_is_mailed_about_too(aws: Settings) -> None:
    done = register(EMAIL)
    sign_in(LAPTOP)
    secret = mfa.initialize(done.user.id).secret
    mfa.confirm(done.user.id, pyotp.TOTP(secret).at(clock.epoch()))  # the clock mfa reads, not the wall's
    challenge = call(
        "auth",
        "POST",
        "/auth/login",
        body={"email": EMAIL, "password": PASSWORD},
        headers={"User-Agent": PHONE},
    )
    assert challenge.data["mfaRequired"] is True
    assert notices() == []  # the first factor alone is no sign-in
    code = pyotp.TOTP(secret).at(clock.epoch() + 30)  # the next step, by the clock mfa reads
    body = {"mfaToken": challenge.data["mfaToken"], "mfaCode": code}
    completed = call("auth", "POST", "/auth/verify-mfa", body=body, headers={"User-Agent": PHONE})
    assert completed.status == 200, completed.body
    assert len(notices()) == 1


def test_a_mail_that_cannot_be_sent_fails_no_login(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    done = register(EMAIL)
    sign_in(LAPTOP)

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendRawEmail")

    with monkeypatch.context() as refusing:  # (undo only this: the clock stays frozen)
        refusing.setattr(devices.mail, "send", refuse)
        found = accounts.login(EMAIL, PASSWORD, device=PHONE, ip="198.51.100.23")
    assert found.tokens.access_token
    assert notices() == []
    # the device is still remembered: the next sign-in from it sends nothing
    sign_in(PHONE)
    assert notices() == []
    assert [c["newDevice"] for c in login_audits(done.organization.id)].count(True) == 1
