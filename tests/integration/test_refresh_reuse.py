"""Refresh-token reuse detection that never forgets: a session is a token family with a generation
counter, so a spent token is recognised as reuse however many refreshes ago it was spent, or when a
concurrent refresh spent it first — and the family (the session) is revoked. A forged token naming
someone's session and an old generation revokes nothing."""

from __future__ import annotations

import threading

import pytest

from docket.errors import AuthenticationFailed
from docket.identity import sessions
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_tokens import authorize
from tests.members import member_session

REFRESHES = 300


def started() -> sessions.Tokens:
    return member_session("usr_1", "org_A", email="a@firm.example", roles=("owner",))


def access_allowed(tokens: sessions.Tokens) -> bool:
    try:
        authorize({"Authorization": f"Bearer {tokens.access_token}"})
    except Exception as exc:  # the authorizer refuses with Exception("Unauthorized")
        if str(exc) == "Unauthorized":
            return False
        raise
    return True


def refresh_status(refresh_token: str) -> int:
    return call("auth", "POST", "/auth/refresh", body={"refreshToken": refresh_token}).status


def revoked_for_reuse(session_id: str) -> bool:
    session = sessions.owned("usr_1", session_id)
    return session is not None and session.revoked_reason == sessions.REUSE_DETECTED


def test_reuse_after_hundreds_of_refreshes_is_detected_and_revokes_the_session(aws: Settings) -> None:
    # Given a session whose refresh token was rotated 300 times
    issued = [started()]
    for _ in range(REFRESHES):
        issued.append(sessions.rotate(issued[-1].refresh_token))
    latest = issued[-1]
    assert access_allowed(latest)

    # When the token spent just before the last refresh is presented again (a stolen copy)
    assert refresh_status(issued[-2].refresh_token) == 401
    # (and the one spent first would be too: every generation below the current one is reuse)

    # Then the whole session is revoked: the holder's newest refresh and access tokens stop working
    assert revoked_for_reuse(latest.session_id)
    assert refresh_status(latest.refresh_token) == 401
    assert not access_allowed(latest)


def race(refresh_token: str) -> tuple[list[sessions.Tokens], list[Exception]]:
    """Two refreshes with the same token at once."""
    won: list[sessions.Tokens] = []
    lost: list[Exception] = []
    gate = threading.Barrier(2)

    def refresh() -> None:
        gate.wait()
        try:
            won.append(sessions.rotate(refresh_token))
        except AuthenticationFailed as exc:
            lost.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, lost


@pytest.mark.parametrize("attempt", range(5))
def test_two_concurrent_refreshes_with_one_token_are_reuse(aws: Settings, attempt: int) -> None:
    # Given a live session
    session = started()

    # When two refreshes present its refresh token at the same moment
    won, lost = race(session.refresh_token)

    # Then one wins and the other is refused …
    assert len(won) == 1
    assert len(lost) == 1
    # … as reuse: the family is revoked, the winner's new tokens included
    assert revoked_for_reuse(session.session_id)
    assert refresh_status(won[0].refresh_token) == 401
    assert not access_allowed(won[0])


def test_a_forged_old_generation_token_revokes_nothing(aws: Settings) -> None:
    # Given a session refreshed a few times, whose id an attacker knows (ids are not secrets)
    genuine = started()
    for _ in range(3):
        genuine = sessions.rotate(genuine.refresh_token)
    session_id = genuine.session_id
    other = started()  # a genuine token of another session, to borrow its secret and MAC from
    _, _, borrowed_secret, borrowed_mac = other.refresh_token.split(".")

    # When the attacker presents made-up tokens naming that session and older generations
    forgeries = [
        f"{session_id}.0.{borrowed_secret}.{borrowed_mac}",
        f"{session_id}.1.made-up-secret.made-up-mac",
        f"{session_id}.2.{'A' * 43}.{'B' * 43}",
        f"{session_id}.0",
        f"{session_id}.{genuine.refresh_token.split('.', 1)[1].replace('.', '', 1)}",
    ]
    for forged in forgeries:
        assert refresh_status(forged) == 401

    # Then the session lives on, and its holder refreshes as usual
    assert sessions.active(session_id) is not None
    assert access_allowed(genuine)
    assert refresh_status(genuine.refresh_token) == 200


def test_a_genuine_token_with_its_generation_changed_is_a_forgery(aws: Settings) -> None:
    # Given a session refreshed twice (generation 2), and its current token
    current = sessions.rotate(sessions.rotate(started().refresh_token).refresh_token)
    session_id, generation, secret, mac = current.refresh_token.split(".")
    assert generation == "2"

    # When its generation is rewritten to an older one (the MAC no longer matches)
    assert refresh_status(f"{session_id}.0.{secret}.{mac}") == 401

    # Then nothing is revoked
    assert sessions.active(session_id) is not None
    assert refresh_status(current.refresh_token) == 200


def test_the_table_holds_no_usable_refresh_token(aws: Settings) -> None:
    # Given a session
    tokens = started()

    # Then what the session item stores is neither the token nor any part of it that would verify
    stored = sessions.owned("usr_1", tokens.session_id)
    assert stored is not None
    raw = str(stored.serialize())
    _, _, secret, mac = tokens.refresh_token.split(".")
    assert secret not in raw
    assert mac not in raw
