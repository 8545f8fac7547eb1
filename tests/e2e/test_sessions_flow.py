"""Self-service identity over HTTP on the emulator: a user signed in on two devices is mailed about
the second, sees both sessions and ends the other one; the directory's password change and
organization settings; the OAuth token endpoint's RFC errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.test_identity_flow import PASSWORD, register_firm

pytestmark = pytest.mark.e2e

LAPTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0.0.0 Mobile Safari/537.36"
NOTICE = "New sign-in to your Docket account"


def sign_in(api: httpx.Client, email: str, device: str, password: str = PASSWORD) -> dict[str, Any]:
    reply = api.post(
        "/auth/login", json={"email": email, "password": password}, headers={"User-Agent": device}
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()["data"]
    return data


def bearer(signed_in: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {signed_in['accessToken']}"}


def test_two_devices_a_notice_the_list_and_ending_the_other_session(
    api: httpx.Client, mailbox: Callable[..., list[dict[str, Any]]]
) -> None:
    # Given a firm's owner signed in on a laptop (the account's first sign-in: no notice)
    email, _ = register_firm(api)
    laptop = sign_in(api, email, LAPTOP)
    assert [m for m in mailbox(to=email) if m["subject"] == NOTICE] == []

    # When they sign in on a phone too
    phone = sign_in(api, email, PHONE)

    # Then one mail tells them about the new device
    [notice] = [m for m in mailbox(to=email) if m["subject"] == NOTICE]
    assert "Chrome on Android" in notice["text"]
    assert "revoke-others" in notice["text"]

    # And the laptop sees both sessions, itself marked current
    listed = api.get("/auth/sessions", headers=bearer(laptop))
    assert listed.status_code == 200, listed.text
    found = listed.json()["data"]["sessions"]
    assert [(s["device"], s["current"]) for s in found] == [(PHONE, False), (LAPTOP, True)]

    # When the laptop ends the phone's session
    ended = api.delete(f"/auth/sessions/{found[0]['id']}", headers=bearer(laptop))
    assert ended.status_code == 200, ended.text
    assert ended.json()["data"]["status"] == "revoked"

    # Then the phone's access and refresh tokens are refused, and the laptop carries on
    assert api.get("/auth/sessions", headers=bearer(phone)).status_code == 401
    assert api.post("/auth/refresh", json={"refreshToken": phone["refreshToken"]}).status_code == 401
    assert api.get("/auth/sessions", headers=bearer(laptop)).status_code == 200
    everything = api.get("/auth/sessions", params={"status": "all"}, headers=bearer(laptop))
    assert [s["status"] for s in everything.json()["data"]["sessions"]] == ["revoked", "active"]

    # And signing out everywhere else leaves the laptop alone
    tablet = sign_in(api, email, "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) Safari/604.1")
    others = api.post("/auth/sessions/revoke-others", headers=bearer(laptop))
    assert others.json()["data"] == {"revoked": 1}
    assert api.get("/auth/sessions", headers=bearer(tablet)).status_code == 401
    assert api.get("/auth/sessions", headers=bearer(laptop)).status_code == 200


def test_password_change_and_settings_through_the_directory(api: httpx.Client) -> None:
    email, registered = register_firm(api)
    here = sign_in(api, email, LAPTOP)
    elsewhere = sign_in(api, email, PHONE)

    changed = api.put(
        "/users/me/change-password",
        json={"current_password": PASSWORD, "new_password": "Another-Horse-77"},
        headers=bearer(here),
    )

    assert changed.status_code == 200, changed.text
    assert api.get("/auth/sessions", headers=bearer(elsewhere)).status_code == 401
    assert api.get("/auth/sessions", headers=bearer(here)).status_code == 200
    assert sign_in(api, email, LAPTOP, password="Another-Horse-77")["accessToken"]

    unknown = api.put(
        "/organizations/me/settings", json={"settings": {"colour": "blue"}}, headers=bearer(here)
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"][0]["field"] == "settings.colour"
    settings = api.put(
        "/organizations/me/settings", json={"settings": {"requireMfa": False}}, headers=bearer(here)
    )
    assert settings.status_code == 200, settings.text
    # the answer is every setting, the one sent as sent
    answered = settings.json()["data"]
    assert answered["organizationId"] == registered["organizationId"]
    assert answered["settings"]["requireMfa"] is False
    assert {"timeZone", "currency", "defaultBillingRate"} <= set(answered["settings"])
    firm = api.get("/organizations/me", headers=bearer(here))
    assert firm.status_code == 200, firm.text
    assert firm.json()["data"]["settings"] == answered["settings"]


def test_the_token_endpoint_refuses_in_rfc_6749_shape(emulator: Any) -> None:
    url = f"{emulator.base_url}/api/v1/auth/token"
    unsupported = httpx.post(url, data={"grant_type": "client_credentials"}, timeout=10)
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = httpx.post(url, data={"username": "a@firm.example"}, timeout=10)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
