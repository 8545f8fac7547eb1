"""The seeds' own requests, byte for byte, over HTTP on the emulator: what their clients send must
keep working (issue 8: "two seed requests that fail today")."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest

from docket.identity import accounts, passwords
from infra.local.server import Emulator
from tests.e2e.test_identity_flow import PASSWORD

pytestmark = pytest.mark.e2e

#: seed 004's credentials ("Obtaining a Token")
SEED_004_EMAIL = "user@example.com"
SEED_004_PASSWORD = "yourpassword"


def registered_and_verified(
    api: httpx.Client, mailbox: Callable[..., list[dict[str, Any]]], email: str
) -> None:
    reply = api.post(
        "/auth/organization/register",
        json={
            "organization_name": "Example Firm",
            "organization_email": "contact@example.com",
            "first_name": "Seed",
            "last_name": "User",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert reply.status_code == 201, reply.text
    [mail] = [m for m in mailbox(to=email) if m["subject"] == "Verify your Docket email address"]
    link = re.search(r"token=([A-Za-z0-9_\-]+)", mail["text"])
    assert link, mail["text"]
    assert api.get("/auth/verify-email", params={"token": link.group(1)}).status_code == 200


def test_seed_004_obtains_its_token_exactly_as_written(
    api: httpx.Client, emulator: Emulator, mailbox: Callable[..., list[dict[str, Any]]]
) -> None:
    # Given seed 004's registered, verified user with seed 004's password — a password Docket's
    # policy would refuse today, so it is set as an account from before the policy would have it
    registered_and_verified(api, mailbox, SEED_004_EMAIL)
    user = accounts.find_user_by_email(SEED_004_EMAIL)
    assert user is not None
    user.update(actions=[accounts.User.password_hash.set(passwords.hash_password(SEED_004_PASSWORD))])

    # When seed 004's client asks for a token exactly as the seed writes it (no grant_type)
    reply = httpx.post(
        f"{emulator.base_url}/api/v1/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=b"username=user@example.com&password=yourpassword",
        timeout=20,
    )

    # Then it gets the seed's response: a bearer access token (RFC 6749 §5.1)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].count(".") == 2
    assert reply.headers["Cache-Control"] == "no-store"
    # and the token works on the API
    assert (
        api.get("/feedback", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    )


def test_seed_001_regenerates_backup_codes_with_no_body_after_mfa(
    api: httpx.Client, emulator: Emulator, mailbox: Callable[..., list[dict[str, Any]]]
) -> None:
    # Given an owner who has just enrolled MFA from their session (so the session completed MFA)
    email = f"mfa-{secrets.token_hex(4)}@firm.example"
    registered_and_verified(api, mailbox, email)
    session = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    auth = {"Authorization": f"Bearer {session['accessToken']}"}
    secret = api.post("/mfa/setup/initialize", headers=auth).json()["data"]["secret"]
    enrolled = api.post("/mfa/setup/verify", json={"code": pyotp.TOTP(secret).now()}, headers=auth)
    assert enrolled.status_code == 200, enrolled.text

    # When seed 001's client regenerates the backup codes exactly as written: no body, no content type
    reply = httpx.post(f"{emulator.base_url}/v1/mfa/backup-codes/regenerate", headers=auth, timeout=20)

    # Then it gets ten new codes
    assert reply.status_code == 200, reply.text
    assert "content-type" not in {name.lower() for name in reply.request.headers}
    codes = reply.json()["data"]["backupCodes"]
    assert len(codes) == 10
    assert set(codes).isdisjoint(enrolled.json()["data"]["backupCodes"])
