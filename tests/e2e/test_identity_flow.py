"""Identity end to end on the emulator: a firm signs up, verifies, logs in, refreshes, logs out —
and the seeds' clients get their tokens unchanged but for the host."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-42"


def register_firm(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    email = f"owner-{secrets.token_hex(4)}@firm.example"
    reply = api.post(
        "/auth/organization/register",
        json={
            "organization_name": "Acme Law LLP",
            "organization_email": "contact@acme.example",
            "first_name": "Ada",
            "last_name": "Owner",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert reply.status_code == 201, reply.text
    return email, reply.json()["data"]


def verification_token(mailbox: Callable[..., list[dict[str, Any]]], email: str) -> str:
    [mail] = mailbox(to=email)
    assert mail["subject"] == "Verify your Docket email address"
    found = re.search(r"token=([A-Za-z0-9_\-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1)


def test_register_verify_login_refresh_logout(
    api: httpx.Client, mailbox: Callable[..., Any], emulator: Any
) -> None:
    # Given a firm registered through the API
    email, registered = register_firm(api)
    assert registered["organizationId"].startswith("org_")

    # When the owner follows the link in the verification mail
    token = verification_token(mailbox, email)
    assert api.get("/auth/verify-email", params={"token": token}).status_code == 200
    assert api.get("/auth/verify-email", params={"token": token}).status_code == 400  # single use

    # And logs in
    login = api.post("/auth/login", json={"email": email.upper(), "password": PASSWORD})
    assert login.status_code == 200, login.text
    session = login.json()["data"]
    assert session["user"]["emailVerified"] is True
    assert session["user"]["role"] == "owner"
    assert session["organization"]["id"] == registered["organizationId"]
    access, refresh = session["accessToken"], session["refreshToken"]

    # Then a protected route accepts the token
    auth = {"Authorization": f"Bearer {access}"}
    assert api.post("/feedback", json={"feature": "Sign-up", "rating": 5}, headers=auth).status_code == 201

    # And refreshing rotates the refresh token
    refreshed = api.post("/auth/refresh", json={"refreshToken": refresh})
    assert refreshed.status_code == 200
    new_access, new_refresh = (
        refreshed.json()["data"]["accessToken"],
        refreshed.json()["data"]["refreshToken"],
    )
    assert new_refresh != refresh
    assert api.get("/feedback", headers={"Authorization": f"Bearer {new_access}"}).status_code == 200

    # And the same token opens a WebSocket (`$connect?token=`)
    with connect(f"{emulator.ws_url}?token={new_access}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        # (the firm's own feedback event may reach the socket before the pong)
        while (frame := json.loads(socket.recv(timeout=5)))["type"] != "pong":
            assert frame["type"] == "feedback.created"

    # When the owner logs out
    assert api.post("/auth/logout", headers={"Authorization": f"Bearer {new_access}"}).status_code == 200

    # Then the old access tokens are refused on the next call, and so is the refresh token
    assert api.get("/feedback", headers=auth).status_code == 401
    assert api.get("/feedback", headers={"Authorization": f"Bearer {new_access}"}).status_code == 401
    assert api.post("/auth/refresh", json={"refreshToken": new_refresh}).status_code == 401
    # and the revoked session's token no longer opens a WebSocket either
    with pytest.raises(InvalidStatus) as refused, connect(f"{emulator.ws_url}?token={new_access}"):
        pass
    assert refused.value.response.status_code == 401


def test_a_reused_refresh_token_revokes_the_session(api: httpx.Client) -> None:
    email, _ = register_firm(api)
    first = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    rotated = api.post("/auth/refresh", json={"refresh_token": first["refreshToken"]}).json()["data"]
    # the stolen (already spent) token is replayed
    assert api.post("/auth/refresh", json={"refreshToken": first["refreshToken"]}).status_code == 401
    # the whole session is gone: the legitimate holder's newer tokens stop working too
    assert api.post("/auth/refresh", json={"refreshToken": rotated["refreshToken"]}).status_code == 401
    assert (
        api.get("/feedback", headers={"Authorization": f"Bearer {rotated['accessToken']}"}).status_code == 401
    )


def test_wrong_passwords_and_unknown_accounts_look_the_same(api: httpx.Client) -> None:
    email, _ = register_firm(api)
    wrong = api.post("/auth/login", json={"email": email, "password": "Not-The-One-1"})
    unknown = api.post("/auth/login", json={"email": "nobody@firm.example", "password": "Not-The-One-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_weak_passwords_are_refused_and_taken_emails_not_revealed(api: httpx.Client) -> None:
    email, _ = register_firm(api)
    body = {
        "organizationName": "Other",
        "organizationEmail": "x@other.example",
        "firstName": "A",
        "lastName": "B",
        "email": email,
        "password": PASSWORD,
    }
    # a taken address answers as a new one would (its owner is mailed instead: no enumeration)
    assert api.post("/auth/organization/register", json=body).status_code == 201
    weak = api.post(
        "/auth/organization/register", json={**body, "email": "new@other.example", "password": "password"}
    )
    assert weak.status_code == 400
    assert weak.json()["error"]["details"][0]["field"] == "password"


def test_forgot_and_reset_password_end_other_sessions(api: httpx.Client, mailbox: Callable[..., Any]) -> None:
    email, _ = register_firm(api)
    old = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    assert api.post("/auth/forgot-password", json={"email": email}).status_code == 202
    assert api.post("/auth/forgot-password", json={"email": "nobody@firm.example"}).status_code == 202
    [mail] = [m for m in mailbox(to=email) if m["subject"] == "Reset your Docket password"]
    code = re.search(r"password within an hour: (\S+)", mail["text"])
    assert code
    reset = api.post(
        "/auth/reset-password", json={"token": code.group(1), "new_password": "Brand-New-Pass-7"}
    )
    assert reset.status_code == 200, reset.text
    assert api.get("/feedback", headers={"Authorization": f"Bearer {old['accessToken']}"}).status_code == 401
    assert api.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    assert api.post("/auth/login", json={"email": email, "password": "Brand-New-Pass-7"}).status_code == 200


def test_change_password_keeps_this_session_and_ends_the_others(api: httpx.Client) -> None:
    email, _ = register_firm(api)
    here = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    elsewhere = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    auth = {"Authorization": f"Bearer {here['accessToken']}"}
    bad = api.post(
        "/auth/change-password",
        json={"currentPassword": "wrong", "newPassword": "Another-Pass-9"},
        headers=auth,
    )
    assert bad.status_code == 400
    changed = api.post(
        "/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "Another-Pass-9"},
        headers=auth,
    )
    assert changed.status_code == 200
    assert api.get("/feedback", headers=auth).status_code == 200
    assert (
        api.get("/feedback", headers={"Authorization": f"Bearer {elsewhere['accessToken']}"}).status_code
        == 401
    )


# --- the seeds' clients, unchanged but for the host ------------------------------------------


def test_seed_004_oauth_password_grant_form_encoded(emulator: Any, api: httpx.Client) -> None:
    email, _ = register_firm(api)
    reply = httpx.post(
        f"{emulator.base_url}/api/v1/auth/token",
        data={"username": email, "password": PASSWORD, "grant_type": "password"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert reply.headers["Cache-Control"] == "no-store"
    again = httpx.post(
        f"{emulator.base_url}/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        timeout=10,
    )
    assert again.status_code == 200
    bad = httpx.post(
        f"{emulator.base_url}/api/v1/auth/token",
        data={"username": email, "password": "nope", "grant_type": "password"},
        timeout=10,
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_grant"


def test_seed_003_simplejwt_token_and_refresh(emulator: Any, api: httpx.Client) -> None:
    email, _ = register_firm(api)
    pair = httpx.post(
        f"{emulator.base_url}/api/token/", json={"username": email, "password": PASSWORD}, timeout=10
    )
    assert pair.status_code == 200, pair.text
    tokens = pair.json()
    assert set(tokens) == {"access", "refresh"}
    cases = httpx.get(
        f"{emulator.base_url}/api/feedback/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
        timeout=10,
    )
    assert cases.status_code == 200
    refreshed = httpx.post(
        f"{emulator.base_url}/api/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=10
    )
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access", "refresh"}


def test_seed_000_curl_login_gives_data_access_token(emulator: Any, api: httpx.Client) -> None:
    email, _ = register_firm(api)
    reply = httpx.post(
        f"{emulator.base_url}/v1/auth/login",
        content=f'{{"email":"{email}","password":"{PASSWORD}"}}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    token = reply.json()["data"]["accessToken"]  # jq -r '.data.accessToken'
    assert (
        httpx.get(
            f"{emulator.base_url}/v1/feedback", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        == 200
    )


def test_jwks_publishes_the_signing_key(emulator: Any, api: httpx.Client) -> None:
    import jwt

    email, _ = register_firm(api)
    token = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]["accessToken"]
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [k for k in keys if k["kid"] == kid]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(key)
    claims = jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False})  # type: ignore[arg-type]
    assert claims["token_use"] == "access"
    assert claims["cognito:groups"] == ["owner"]
    assert claims["custom:org_id"].startswith("org_")
