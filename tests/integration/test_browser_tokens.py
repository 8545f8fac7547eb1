"""CSRF tokens and signed statements: bound to what they were issued for, and nothing else."""

from __future__ import annotations

import pytest

from docket import clock
from docket.security import browser, signed_claims
from docket.settings import Settings


def test_a_csrf_token_passes_only_for_its_own_session(aws: Settings) -> None:
    token = browser.csrf_token("ses_A")
    assert browser.csrf_valid(token, "ses_A")
    assert not browser.csrf_valid(token, "ses_B")
    assert not browser.csrf_valid(browser.csrf_token(None), "ses_A")
    assert not browser.csrf_valid(token[:-3] + "abc", "ses_A")
    assert not browser.csrf_valid(None, "ses_A")
    assert not browser.csrf_valid(token, "")
    # two tokens for one session differ (a nonce), and both pass
    assert browser.csrf_token("ses_A") != token


def test_signed_statements_expire_and_do_not_cross_purposes(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.epoch()
    monkeypatch.setattr(clock, "epoch", lambda: now)
    statement = signed_claims.issue("mfa-challenge", {"uid": "usr_1"}, ttl_s=60)
    assert signed_claims.read("mfa-challenge", statement) == {"uid": "usr_1", "exp": now + 60}
    assert signed_claims.read("csrf", statement) is None
    assert signed_claims.read("mfa-challenge", "not-a-token") is None
    monkeypatch.setattr(clock, "epoch", lambda: now + 61)
    assert signed_claims.read("mfa-challenge", statement) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("docket_access=abc.def; theme=dark", "abc.def"),
        ("theme=dark;docket_access=xyz", "xyz"),
        ("theme=dark", None),
        ("docket_access=", None),
        ('docket_access="unterminated', None),
    ],
)
def test_the_session_cookie_is_read_from_the_cookie_header(header: str, expected: str | None) -> None:
    assert browser.read_cookie({"Cookie": header}, browser.ACCESS_COOKIE) == expected
