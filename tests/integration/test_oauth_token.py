"""`POST /auth/token` answers in RFC 6749's shape whatever goes wrong: §5.1 tokens, §5.2 errors
(`400 {"error", "error_description"}`, never the envelope, never a 422)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pyotp
import pytest

from docket.identity import mfa, sessions
from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.integration.test_login_guard import PASSWORD, register

EMAIL = "owner@firm.example"
FORM = "application/x-www-form-urlencoded"


def token(body: str | bytes, content_type: str = FORM) -> Reply:
    raw = body.encode() if isinstance(body, str) else body
    return call("auth", "POST", "/auth/token", body=raw, headers={"Content-Type": content_type})


def form(**params: Any) -> str:
    return urlencode(params)


def assert_oauth_error(reply: Reply, error: str) -> None:
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"error", "error_description"}, reply.body
    assert reply.body["error"] == error
    assert reply.body["error_description"]
    assert reply.headers["Cache-Control"] == "no-store"


def test_the_password_and_refresh_token_grants(aws: Settings) -> None:
    register(EMAIL)
    issued = token(form(grant_type="password", username=EMAIL, password=PASSWORD, scope="openid"))
    assert issued.status == 200, issued.body
    assert set(issued.body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert issued.headers["Cache-Control"] == "no-store"
    assert issued.headers["Pragma"] == "no-cache"
    refreshed = token(form(grant_type="refresh_token", refresh_token=issued.body["refresh_token"]))
    assert refreshed.status == 200, refreshed.body
    # the spent refresh token is refused (and, being reuse, ends the session)
    assert_oauth_error(
        token(form(grant_type="refresh_token", refresh_token=issued.body["refresh_token"])), "invalid_grant"
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (form(grant_type="client_credentials"), "unsupported_grant_type"),
        (form(grant_type="authorization_code", code="abc"), "unsupported_grant_type"),
        (form(grant_type="x" * 100), "invalid_request"),
        (form(grant_type=""), "invalid_request"),
        ("", "invalid_request"),
        (form(username=EMAIL), "invalid_request"),
        (form(password=PASSWORD), "invalid_request"),
        (form(grant_type="password"), "invalid_request"),
        (form(grant_type="password", username=EMAIL), "invalid_request"),
        (form(grant_type="password", username=EMAIL, password="x" * 300), "invalid_request"),
        (form(grant_type="refresh_token"), "invalid_request"),
        ("grant_type=password&grant_type=refresh_token&username=a&password=b", "invalid_request"),
        (form(grant_type="password", username=EMAIL, password="Wrong-Pass-000"), "invalid_grant"),
        (form(grant_type="password", username="nobody@firm.example", password=PASSWORD), "invalid_grant"),
        (form(grant_type="refresh_token", refresh_token="ses_1.forged"), "invalid_grant"),
        (form(grant_type="refresh_token", refresh_token="no-dot"), "invalid_grant"),
    ],
)
def test_refusals_are_rfc_6749_errors(aws: Settings, body: str, error: str) -> None:
    register(EMAIL)
    assert_oauth_error(token(body), error)


def test_grant_type_may_be_left_out_and_means_password(aws: Settings) -> None:
    # Given a registered user
    register(EMAIL)

    # When an OAuth2 password-form client sends only username and password (seed 004)
    issued = token(f"username={EMAIL}&password={PASSWORD}")

    # Then it gets tokens, as for grant_type=password
    assert issued.status == 200, issued.body
    assert issued.body["token_type"] == "bearer"
    assert issued.body["access_token"]
    assert issued.body["refresh_token"]
    # and a grant type it names is still checked
    assert_oauth_error(
        token(form(grant_type="client_credentials", username=EMAIL, password=PASSWORD)),
        "unsupported_grant_type",
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        (json.dumps({"grant_type": "password", "username": EMAIL, "password": PASSWORD}), "application/json"),
        (json.dumps({"username": EMAIL, "password": PASSWORD}), "application/json; charset=utf-8"),
        (f"grant_type=password&username={EMAIL}&password={PASSWORD}", "text/plain"),
        (
            f'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n{EMAIL}\r\n'
            f'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n{PASSWORD}\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"\x00\x01", "application/octet-stream"),
    ],
    ids=["broken json", "json grant", "json without grant_type", "text", "multipart", "binary"],
)
def test_bodies_that_are_not_a_form_are_invalid_requests(aws: Settings, body: str, content_type: str) -> None:
    # Given a registered user
    done = register(EMAIL)

    # When their credentials come in a body that is not a form
    reply = token(body, content_type)

    # Then it is RFC 6749's invalid_request, and no session is opened
    assert_oauth_error(reply, "invalid_request")
    assert sessions.sessions_of(done.user.id) == []


def test_a_body_without_a_content_type_is_an_invalid_request(aws: Settings) -> None:
    register(EMAIL)
    reply = call(
        "auth",
        "POST",
        "/auth/token",
        body=form(username=EMAIL, password=PASSWORD).encode(),
        headers={"Content-Type": ""},
    )
    assert_oauth_error(reply, "invalid_request")


def test_an_account_with_mfa_is_an_invalid_grant_here(aws: Settings) -> None:
    done = register(EMAIL)
    mfa.confirm(done.user.id, pyotp.TOTP(mfa.initialize(done.user.id).secret).now())
    reply = token(form(grant_type="password", username=EMAIL, password=PASSWORD))
    assert_oauth_error(reply, "invalid_grant")
    assert "MFA" in reply.body["error_description"]


def test_other_routes_keep_the_envelope(aws: Settings) -> None:
    reply = call("auth", "POST", "/auth/login", body={"email": "not-an-email"})
    assert reply.status == 400
    assert reply.body["error"]["code"] == "VALIDATION_ERROR"
