"""Failed logins lock the account out for a while, and every auth event is audited."""

from __future__ import annotations

import pytest

from docket import clock
from docket.data.audit import AuditEntry, audit_partition
from docket.errors import AuthenticationFailed, RateLimited
from docket.identity import accounts, throttle
from docket.settings import Settings

#: failed logins count by quarter hour and audit entries are read by day: the clock stands still
pytestmark = pytest.mark.usefixtures("frozen")

PASSWORD = "Correct-Horse-42"


def register(email: str = "owner@firm.example") -> accounts.Registered:
    return accounts.register(
        organization_name="Acme",
        organization_email="contact@acme.example",
        first_name="Ada",
        last_name="Owner",
        email=email,
        password=PASSWORD,
    )


def actions(org_id: str) -> list[str]:
    entries = AuditEntry.query(audit_partition(org_id, clock.iso()[:10]))
    return [e.action for e in entries if isinstance(e, AuditEntry)]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(aws: Settings) -> None:
    done = register()
    for _ in range(throttle.MAX_ACCOUNT_FAILURES):
        with pytest.raises(AuthenticationFailed):
            accounts.login("owner@firm.example", "Wrong-Pass-000", ip="198.51.100.7")
    with pytest.raises(RateLimited) as locked:
        accounts.login("owner@firm.example", PASSWORD, ip="203.0.113.9")
    assert 0 < locked.value.retry_after <= throttle.WINDOW_S
    assert actions(done.organization.id).count("auth.login_failed") == throttle.MAX_ACCOUNT_FAILURES


def test_a_success_clears_the_count_and_is_audited(aws: Settings) -> None:
    done = register()
    for _ in range(throttle.MAX_ACCOUNT_FAILURES - 1):
        with pytest.raises(AuthenticationFailed):
            accounts.login("owner@firm.example", "Wrong-Pass-000")
    accounts.login("owner@firm.example", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        accounts.login("owner@firm.example", "Wrong-Pass-000")
    accounts.login("owner@firm.example", PASSWORD)  # not locked: the success reset the count
    assert actions(done.organization.id).count("auth.login") == 2


def test_one_address_guessing_many_accounts_is_locked_out(aws: Settings) -> None:
    for index in range(throttle.MAX_ADDRESS_FAILURES):
        with pytest.raises(AuthenticationFailed):
            accounts.login(f"guess{index}@firm.example", "Wrong-Pass-000", ip="192.0.2.66")
    with pytest.raises(RateLimited):
        accounts.login("another@firm.example", "Wrong-Pass-000", ip="192.0.2.66")
