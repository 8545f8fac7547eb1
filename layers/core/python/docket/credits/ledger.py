"""Debits: research work pays for itself with the caller's credits, in its own transaction.

A debit is one conditional update of the account's ledger (`remaining >= tokens`) joined to the
`TransactWriteItems` of the work it pays for, with the user's usage of the day: two concurrent
debits can never together spend more than the balance (the second is refused when it commits),
and work that cannot be paid for is never written. The research issue calls `debit`:

    with transaction(principal) as tx:
        tx.save(answer)
        ledger.debit(tx, ledger.payer(principal), tokens=answer.tokens, kind=UsageKind.QA)

A refusal is a 402 `INSUFFICIENT_TOKENS` (`docket.errors.InsufficientTokens`). The platform's
statistics and the user's activity are counted once the transaction committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from docket import clock
from docket.credits import accounts, metrics, periods
from docket.credits.accounts import Account, Profile, account_key
from docket.credits.usage import UsageKind, record
from docket.data.transactions import Transaction
from docket.errors import InsufficientTokens
from docket.security.principal import Principal


def payer(principal: Principal) -> Profile:
    """Whose credits a principal's work spends: the signed-in user's."""
    return Profile(user_id=principal.user_id, email=principal.email)


def _short(account: Account, tokens: int) -> InsufficientTokens:
    remaining = max(0, int(account.remaining))
    return InsufficientTokens(
        f"Not enough tokens: this needs {tokens}, {remaining} remain this month",
        details={
            "required": tokens,
            "remaining": remaining,
            "nextReset": clock.iso(periods.next_month_start(account.credit_month)),
        },
    )


@dataclass(frozen=True)
class Debit:
    """A debit joined to a transaction: what the balance will be once it commits."""

    user_id: str
    tokens: int
    remaining: int


_CALLS = {UsageKind.SEARCH: "searches", UsageKind.QA: "qa", UsageKind.CONSULTANT: "conversations"}


def debit(tx: Transaction, profile: Profile, tokens: int, kind: UsageKind, *, counted: bool = True) -> Debit:
    """Pay `tokens` of `profile`'s credits for the work written in `tx`, atomically with it.

    A balance already short is refused before anything is written; one that a concurrent debit
    spent meanwhile is refused when `tx` commits (its condition fails), and nothing of `tx` is
    written. `counted`: the call counts as one search, question, or conversation started (a
    consultant's later messages spend tokens without starting another)."""
    if tokens < 0:
        raise ValueError("a debit spends zero or more tokens")
    account = accounts.ensure(profile)
    if int(account.remaining) < tokens:
        raise _short(account, tokens)
    now = clock.now()
    tx.update(
        Account(*account_key(profile.user_id)),
        actions=[
            Account.remaining.add(-tokens),
            Account.used.add(tokens),
            Account.total_used.add(tokens),
        ],
        condition=Account.remaining >= tokens,
        refusal=_short(account, tokens),
    )
    record(tx, profile.user_id, now.date(), kind, tokens, counted=counted)
    calls = {_CALLS[kind]: 1 if counted else 0}

    def counted_after_commit() -> None:
        metrics.count_usage(now.date(), tokens=tokens, **calls)
        accounts.seen_after_commit(account, now)

    tx.after_commit(counted_after_commit)
    return Debit(profile.user_id, tokens, int(account.remaining) - tokens)
