"""Research credits (seed 002): the ledger, the debit in the caller's transaction, usage, the reset."""

from __future__ import annotations

import threading

import pytest

from docket.credits import accounts, reset
from docket.credits.usage import UsageKind
from docket.errors import InsufficientTokens
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.conftest import TimeTravel
from tests.integration.credits_support import FREE, answer, answers_of, credits, signed_in
from tests.integration.support import call

#: credit months, usage days and statistics periods are calendar periods: the clock stands still
pytestmark = pytest.mark.usefixtures("frozen")


def test_a_new_user_has_the_free_plans_credits_of_this_month(aws: Settings, frozen: TimeTravel) -> None:
    # Given a firm's owner who just signed up
    owner = signed_in()
    # When they read their credits
    found = credits(owner)
    # Then they have the free plan's allowance, renewed at the start of this month
    month = frozen.now().strftime("%Y-%m")
    assert found == {
        "totalTokens": FREE,
        "usedTokens": 0,
        "remainingTokens": FREE,
        "lastReset": f"{month}-01T00:00:00.000Z",
        "nextReset": found["nextReset"],
        "plan": "free",
    }
    assert found["nextReset"] > found["lastReset"]


def test_a_debit_pays_for_its_work_and_shows_in_credits_and_usage(aws: Settings, frozen: TimeTravel) -> None:
    owner = signed_in()
    # When the owner searches once and asks two questions
    answer(owner, 75, UsageKind.SEARCH)
    answer(owner, 60, UsageKind.QA)
    answer(owner, 40, UsageKind.QA)
    # Then the work is written and paid for
    assert sorted(int(a.tokens) for a in answers_of(owner)) == [40, 60, 75]
    assert credits(owner)["usedTokens"] == 175
    assert credits(owner)["remainingTokens"] == FREE - 175
    # And seed 002's usage breakdown says what it was spent on
    usage = call("directory", "GET", "/user/usage", principal=owner, query={"period": "month"}).data["usage"]
    today = frozen.now().date().isoformat()
    assert usage == {
        "period": "month",
        "totalTokensUsed": 175,
        "searchTokens": 75,
        "qaTokens": 100,
        "consultantTokens": 0,
        "searchCount": 1,
        "qaCount": 2,
        "conversationCount": 0,
        "dailyBreakdown": [{"date": today, "tokens": 175, "searches": 1, "qa": 2, "conversations": 0}],
    }


def test_usage_defaults_to_the_month_and_refuses_an_unknown_period(aws: Settings) -> None:
    owner = signed_in()
    assert call("directory", "GET", "/user/usage", principal=owner).data["usage"]["period"] == "month"
    refused = call("directory", "GET", "/user/usage", principal=owner, query={"period": "decade"})
    assert refused.status == 400, refused.body
    assert refused.error["code"] == "VALIDATION_ERROR"
    assert "period" in str(refused.error["details"])


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(aws: Settings) -> None:
    owner = signed_in()
    answer(owner, FREE - 10)
    # When the owner asks for more than the 10 tokens left
    with pytest.raises(InsufficientTokens) as refused:
        answer(owner, 11)
    # Then it is a 402 that says how many remain, and the unpaid work was not written
    assert refused.value.status == 402
    assert refused.value.code == "INSUFFICIENT_TOKENS"
    assert refused.value.details["remaining"] == 10
    assert len(answers_of(owner)) == 1
    assert credits(owner)["remainingTokens"] == 10
    # while what the balance still covers goes through
    answer(owner, 10)
    assert credits(owner)["remainingTokens"] == 0


def test_two_concurrent_debits_that_together_exceed_the_balance_cannot_both_pass(aws: Settings) -> None:
    # Given an owner with 1,000 tokens, and two answers of 600 each that both read that balance
    # before either commits (each waits for the other at the end of its transaction)
    owner = signed_in()
    both_read = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def ask() -> None:
        try:
            answer(owner, 600, before_commit=both_read.wait)
            outcomes.append("paid")
        except InsufficientTokens:
            outcomes.append("402")

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then exactly one is paid for and written; the other is refused with 402, writing nothing
    assert sorted(outcomes) == ["402", "paid"]
    assert len(answers_of(owner)) == 1
    assert credits(owner)["usedTokens"] == 600
    assert credits(owner)["remainingTokens"] == FREE - 600


def test_a_new_month_resets_the_credits_on_first_use(aws: Settings, frozen: TimeTravel) -> None:
    owner = signed_in()
    answer(owner, 900)
    # When the next month begins
    frozen.forward(days=32)
    # Then the allowance is whole again, renewed at that month's start, and usage starts afresh
    found = credits(owner)
    assert (found["usedTokens"], found["remainingTokens"]) == (0, FREE)
    assert found["lastReset"] == f"{frozen.now():%Y-%m}-01T00:00:00.000Z"
    answer(owner, 950)  # more than last month left
    assert credits(owner)["remainingTokens"] == FREE - 950
    assert call("directory", "GET", "/user/usage", principal=owner).data["usage"]["totalTokensUsed"] == 950


def _account_month(user_id: str) -> str:
    found = accounts.find(user_id)
    assert found is not None
    return found.credit_month


def test_the_scheduled_reset_pages_through_every_account_once_per_month(
    aws: Settings, frozen: TimeTravel
) -> None:
    # Given seven users who spent credits this month
    users = [signed_in(f"user{index}@firm{index}.example") for index in range(7)]
    for user in users:
        answer(user, 100)
    frozen.forward(days=32)
    month = f"{frozen.now():%Y-%m}"

    # When the job runs with a budget of three accounts per run
    first = reset.run(budget=3)
    # Then each run does a bounded part of the work and says the month is not done
    assert (first.examined, first.reset, first.done) == (3, 3, False)
    runs = [first]
    while not runs[-1].done:
        runs.append(reset.run(budget=3))
        assert len(runs) < 10
    # And every account was reset exactly once, to a whole allowance
    assert sum(r.reset for r in runs) == 7
    assert {_account_month(u.user_id) for u in users} == {month}
    for user in users:
        account = accounts.find(user.user_id)
        assert account is not None
        assert (int(account.used), int(account.remaining)) == (0, FREE)

    # When a user spends after the reset, and the job runs again (a retry, the next schedule)
    answer(users[0], 300)
    again = reset.run()
    # Then the finished month is a no-op: nothing is reset twice
    assert (again.done, again.examined, again.reset) == (True, 0, 0)
    assert credits(users[0])["remainingTokens"] == FREE - 300


def test_the_schedule_runs_the_reset_job_through_the_jobs_function(aws: Settings, frozen: TimeTravel) -> None:
    owner = signed_in()
    answer(owner, 500)
    frozen.forward(days=32)
    from infra.local.invoke import LocalContext
    from infra.local.payloads import schedule_event
    from infra.tools.functions import load

    result = load("jobs").handler(schedule_event("credits-monthly-reset"), LocalContext("jobs"))
    assert result["job"] == "credits-monthly-reset"
    assert (result["done"], result["reset"]) == (True, 1)
    assert _account_month(owner.user_id) == f"{frozen.now():%Y-%m}"


def test_a_client_member_reaches_only_the_portal(aws: Settings) -> None:
    owner = signed_in()
    client = Principal(
        user_id="usr_client",
        org_id=owner.org_id,
        roles=("client",),
        permissions=("portal:read", "portal:write"),
    )
    for path in ("/user/credits", "/user/usage"):
        refused = call("directory", "GET", path, principal=client)
        assert refused.status == 403, refused.body
        assert refused.error["code"] == "AUTHORIZATION_FAILED"
