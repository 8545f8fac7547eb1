"""What a rotation keeps: the new key signs, retired keys stay a day, odd stamps never lose a key early."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from docket import clock
from docket.security.key_rotation import rotated
from docket.security.keys import SIGNING_DELAY, KeySet, parse_key_set

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def test_the_new_key_signs_and_the_previous_one_is_retired_now_and_kept() -> None:
    start = KeySet.fresh()
    after = rotated(start, now=NOW)
    assert after.active_kid not in {k.kid for k in start.keys}
    assert after.find(start.active_kid).retired_at == clock.iso(NOW)
    assert parse_key_set(after.to_json()) == after  # the retiredAt survives the round trip


def test_keys_retired_over_a_day_ago_go_and_hand_edited_stamps_count_from_now() -> None:
    active = KeySet.fresh().active
    old = replace(KeySet.fresh().active, retired_at=clock.iso(NOW - timedelta(days=1, seconds=1)))
    recent = replace(KeySet.fresh().active, retired_at=clock.iso(NOW - timedelta(hours=23)))
    garbled = replace(KeySet.fresh().active, retired_at="last tuesday")
    naive = replace(KeySet.fresh().active, retired_at="2026-11-22T12:00:00")
    after = rotated(KeySet(active_kid=active.kid, keys=(active, old, recent, garbled, naive)), now=NOW)
    kept = {k.kid: k.retired_at for k in after.keys}
    assert old.kid not in kept
    assert kept[recent.kid] == recent.retired_at
    assert kept[garbled.kid] == clock.iso(NOW)
    assert kept[naive.kid] == naive.retired_at
    assert kept[active.kid] == clock.iso(NOW)


def test_a_rotated_in_key_signs_only_after_the_signing_delay() -> None:
    start = KeySet.fresh()
    after = rotated(start, now=clock.now())
    born = datetime.fromisoformat(after.active.created_at)
    # while processes may still hold the old set (and serve a JWKS without the new key)
    assert after.signer(born + SIGNING_DELAY - timedelta(seconds=1)).kid == start.active_kid
    # then the new key
    assert after.signer(born + SIGNING_DELAY).kid == after.active_kid


def test_a_fresh_deployment_signs_with_its_only_key_at_once() -> None:
    fresh = KeySet.fresh()
    assert fresh.signer(clock.now()).kid == fresh.active_kid
