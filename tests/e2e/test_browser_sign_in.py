"""Browser sign-in (seed 002): single sign-on with an OpenID Connect provider (authorization code +
PKCE) against a local provider, then cookie-authenticated requests guarded by CSRF tokens."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pyotp
import pytest

from tests.e2e.test_identity_flow import PASSWORD, register_firm
from tests.oidc_provider import OidcProvider, Person

pytestmark = pytest.mark.e2e


@pytest.fixture
def idp(emulator: Any) -> Iterator[OidcProvider]:
    provider = OidcProvider().start()
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"docket/oidc/{secrets.token_hex(4)}", SecretString=provider.client_secret
    )
    emulator.aws.configure(
        oidc_providers=[
            {
                "name": "acme-idp",
                "issuer": provider.issuer,
                "clientId": provider.client_id,
                "clientSecretId": secret["ARN"],
            }
        ]
    )
    try:
        yield provider
    finally:
        emulator.aws.configure(oidc_providers=())
        provider.stop()


@pytest.fixture
def browser(emulator: Any) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser does."""
    with httpx.Client(base_url=f"{emulator.base_url}/v1", timeout=20) as client:
        yield client


def sign_in(browser: httpx.Client, idp: OidcProvider) -> httpx.Response:
    """POST /auth/login {provider} → the provider → back to GET /auth/callback."""
    started = browser.post("/auth/login", json={"provider": "acme-idp"})
    assert started.status_code == 200, started.text
    redirect = started.json()["data"]["redirectUrl"]
    assert redirect.startswith(f"{idp.issuer}/authorize?")
    assert "code_challenge_method=S256" in redirect
    assert "state=" in redirect
    assert "nonce=" in redirect
    at_provider = httpx.get(redirect, follow_redirects=False)
    assert at_provider.status_code == 302
    return browser.get(at_provider.headers["location"])


def test_single_sign_on_then_cookie_requests_need_a_csrf_token(
    browser: httpx.Client, api: httpx.Client, idp: OidcProvider
) -> None:
    email, _ = register_firm(api)
    idp.person = Person(subject=f"idp-{secrets.token_hex(4)}", email=email)

    # Given a sign-in through the provider
    signed_in = sign_in(browser, idp)
    assert signed_in.status_code == 200, signed_in.text
    data = signed_in.json()["data"]
    assert data["user"]["email"] == email
    assert data["token"]
    assert data["csrfToken"]
    assert "refreshToken" not in data  # only in its HttpOnly cookie
    set_cookies = signed_in.headers.get_list("set-cookie")
    assert any(c.startswith("docket_access=") and "HttpOnly" in c for c in set_cookies)
    assert any(c.startswith("docket_refresh=") and "SameSite=Strict" in c for c in set_cookies)
    # the code was exchanged with the client secret and the PKCE verifier
    [exchange] = idp.token_requests
    assert exchange["client_secret"] == idp.client_secret
    assert len(exchange["code_verifier"]) >= 43

    # Then reads work by cookie alone
    assert browser.get("/mfa/check").status_code == 200
    # but a write without the CSRF token is refused, and so is a forged or session-less one
    refused = browser.post("/feedback", json={"feature": "SSO", "rating": 5})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "INVALID_CSRF_TOKEN"
    anonymous_token = httpx.get(str(browser.base_url).rstrip("/") + "/auth/csrf").json()["data"]["csrfToken"]
    for bad in (anonymous_token, data["csrfToken"][:-2] + "xx"):
        assert (
            browser.post("/feedback", json={"feature": "SSO"}, headers={"X-CSRF-Token": bad}).status_code
            == 403
        )
    # with the callback's token, or one from GET /auth/csrf, the write goes through
    created = browser.post(
        "/feedback", json={"feature": "SSO", "rating": 5}, headers={"X-CSRF-Token": data["csrfToken"]}
    )
    assert created.status_code == 201, created.text
    fetched = browser.get("/auth/csrf")
    assert fetched.headers["cache-control"] == "no-store"
    csrf = {"X-CSRF-Token": fetched.json()["data"]["csrfToken"]}
    assert browser.post("/feedback", json={"feature": "SSO", "rating": 4}, headers=csrf).status_code == 201
    # a Bearer caller needs no CSRF token (browsers never send Authorization on their own)
    bearer = {"Authorization": f"Bearer {data['token']}"}
    assert api.post("/feedback", json={"feature": "API", "rating": 3}, headers=bearer).status_code == 201

    # Refreshing by cookie also needs the CSRF token, and rotates the cookies
    assert browser.post("/auth/refresh", json={}).status_code == 403
    refreshed = browser.post("/auth/refresh", json={}, headers=csrf)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["data"]["refreshToken"] is None
    assert any(c.startswith("docket_refresh=") for c in refreshed.headers.get_list("set-cookie"))
    assert browser.get("/mfa/check").status_code == 200

    # Logging out ends the session and clears the cookies
    old_cookie = browser.cookies.get("docket_access")
    assert browser.post("/auth/logout", headers=csrf).status_code == 200
    assert browser.cookies.get("docket_access") is None
    assert api.get("/mfa/check", headers={"Cookie": f"docket_access={old_cookie}"}).status_code == 401


def test_the_identity_stays_linked_when_the_provider_email_changes(
    browser: httpx.Client, api: httpx.Client, idp: OidcProvider
) -> None:
    email, registered = register_firm(api)
    subject = f"idp-{secrets.token_hex(4)}"
    idp.person = Person(subject=subject, email=email)
    assert sign_in(browser, idp).status_code == 200
    browser.cookies.clear()
    # the person's address changes at the provider: the link by `sub` still finds them
    idp.person = Person(subject=subject, email=f"renamed-{secrets.token_hex(3)}@elsewhere.example")
    again = sign_in(browser, idp)
    assert again.status_code == 200, again.text
    assert again.json()["data"]["user"]["id"] == registered["userId"]


def test_who_may_not_sign_in(browser: httpx.Client, api: httpx.Client, idp: OidcProvider) -> None:
    email, _ = register_firm(api)
    # nobody with that address at Docket: no account is created
    idp.person = Person(subject="stranger", email="stranger@nowhere.example")
    refused = sign_in(browser, idp)
    assert refused.status_code == 403, refused.text
    # an address the provider has not verified does not prove ownership
    idp.person = Person(subject="unverified", email=email, email_verified=False)
    assert sign_in(browser, idp).status_code == 403
    # the user cancels at the provider
    idp.person = None
    assert sign_in(browser, idp).status_code == 401
    # an unknown provider is a field error
    unknown = browser.post("/auth/login", json={"provider": "myspace"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"][0]["field"] == "provider"


def test_a_callback_works_once_and_only_in_the_browser_that_started_it(
    browser: httpx.Client, api: httpx.Client, idp: OidcProvider
) -> None:
    email, _ = register_firm(api)
    idp.person = Person(subject=f"idp-{secrets.token_hex(4)}", email=email)
    started = browser.post("/auth/login", json={"provider": "acme-idp"}).json()["data"]
    callback = httpx.get(started["redirectUrl"], follow_redirects=False).headers["location"]
    # a victim's browser given the attacker's callback link: no binding cookie, refused
    victim = httpx.get(callback)
    assert victim.status_code == 400
    assert victim.json()["error"]["details"][0]["field"] == "state"
    # and the attempt is spent, even for the browser that started it
    assert browser.get(callback).status_code == 400
    # a fresh attempt works once; replaying its callback is refused
    idp.person = Person(subject=f"idp-{secrets.token_hex(4)}", email=email)
    started = browser.post("/auth/login", json={"provider": "acme-idp"}).json()["data"]
    callback = httpx.get(started["redirectUrl"], follow_redirects=False).headers["location"]
    assert browser.get(callback).status_code == 200
    assert browser.get(callback).status_code == 400


@pytest.mark.parametrize(
    "misbehaviour", ["wrong-audience", "wrong-nonce", "wrong-issuer", "expired", "foreign-key"]
)
def test_broken_id_tokens_are_refused(
    browser: httpx.Client, api: httpx.Client, idp: OidcProvider, misbehaviour: str
) -> None:
    email, _ = register_firm(api)
    idp.person = Person(subject=f"idp-{secrets.token_hex(4)}", email=email)
    idp.misbehave = misbehaviour
    refused = sign_in(browser, idp)
    assert refused.status_code == 401, refused.text
    assert browser.cookies.get("docket_access") is None


def test_single_sign_on_still_asks_for_the_users_second_factor(
    browser: httpx.Client, api: httpx.Client, idp: OidcProvider
) -> None:
    email, _ = register_firm(api)
    session = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]
    auth = {"Authorization": f"Bearer {session['accessToken']}"}
    secret = api.post("/mfa/setup/initialize", headers=auth).json()["data"]["secret"]
    totp = pyotp.TOTP(secret)
    assert api.post("/mfa/setup/verify", json={"code": totp.now()}, headers=auth).status_code == 200

    idp.person = Person(subject=f"idp-{secrets.token_hex(4)}", email=email)
    challenged = sign_in(browser, idp)
    assert challenged.status_code == 200, challenged.text
    challenge = challenged.json()["data"]
    assert challenge["mfaRequired"] is True
    assert "token" not in challenge
    assert browser.cookies.get("docket_access") is None
    # the challenge token completes it (no password to send), with a code from the app
    wrong = api.post("/auth/verify-mfa", json={"mfaToken": challenge["mfaToken"], "mfaCode": "000000"})
    assert wrong.status_code == 400
    forged = api.post(
        "/auth/verify-mfa", json={"mfaToken": challenge["mfaToken"] + "x", "mfaCode": totp.at(0)}
    )
    assert forged.status_code == 401
    code = totp.at(int(time.time()) + 30)
    done = api.post("/auth/verify-mfa", json={"mfaToken": challenge["mfaToken"], "mfaCode": code})
    assert done.status_code == 200, done.text
    assert done.json()["data"]["user"]["email"] == email
