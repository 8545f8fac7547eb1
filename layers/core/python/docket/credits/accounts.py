"""Each user's platform account: plan role, token-credit ledger, activity and directory entry.

One item per user (`pk = USER#<user>`, `sk = ACCOUNT`), whichever firms they belong to:

- the ledger of the current credit month: `allowance` (by plan), `used`, `remaining`, `lastReset`
  (debits: `docket.credits.ledger`);
- when the user was last active (a sign-in, a debit), which counts each user once per day, week,
  month and year in the platform's statistics;
- the directory entry administrators list across tenants: GSI1 `PLATFORM#USERS#<shard>` and GSI2
  `PLATFORM#PLAN#<plan>#<shard>`, sorted by `<createdAt>#<user>`. The shard (a hash of the user id,
  `USER_SHARDS` of them) spreads the index's writes (every debit rewrites the entry) over several
  partitions; a page of the directory merges one Query per shard.

A new month's credits come lazily: any read or debit of an account still in an earlier month
resets it first (a conditional update, so concurrent readers reset it once), and the scheduled
job (`docket.credits.reset`) brings dormant accounts up to date in bounded pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from docket import clock
from docket.credits import metrics, periods, plans
from docket.credits.periods import Period
from docket.data.models import TableItem
from docket.data.transactions import Transaction
from docket.observability import logger

#: shards of the platform directory (GSI partitions); an account's shard is stored on it, so
#: raising this needs the existing accounts re-keyed before the new shards are read
USER_SHARDS = 4
USERS_PARTITION = "PLATFORM#USERS"
PLAN_PARTITION = "PLATFORM#PLAN"


def shard_of(user_id: str) -> int:
    return int(hashlib.sha256(user_id.encode()).hexdigest()[:8], 16) % USER_SHARDS


def users_partition(shard: int) -> str:
    return f"{USERS_PARTITION}#{shard}"


def plan_partition(plan: str, shard: int) -> str:
    return f"{PLAN_PARTITION}#{plan}#{shard}"


class Account(TableItem, discriminator="platform_account"):
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    #: lower-case `email name`, what an administrator's search matches
    search = UnicodeAttribute(default="")
    plan = UnicodeAttribute()
    #: the ETag of the plan role: advanced by each plan change (debits leave it)
    plan_version = NumberAttribute(default=1)
    shard = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    last_active_at = UnicodeAttribute(null=True)
    credit_month = UnicodeAttribute()
    allowance = NumberAttribute()
    used = NumberAttribute(default=0)
    remaining = NumberAttribute()
    last_reset = UnicodeAttribute()
    total_used = NumberAttribute(default=0)


def account_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "ACCOUNT"


@dataclass(frozen=True)
class Profile:
    """Who an account is for: what the directory shows of a user."""

    user_id: str
    email: str
    name: str = ""
    created_at: str = ""


def _search_text(email: str, name: str) -> str:
    return f"{email} {name}".lower().strip()


def new_account(profile: Profile, plan: plans.Plan = plans.DEFAULT) -> Account:
    now = clock.now()
    month = periods.month(now)
    created = profile.created_at or clock.iso(now)
    shard = shard_of(profile.user_id)
    allowance = plans.allowance(plan)
    pk, sk = account_key(profile.user_id)
    return Account(
        pk=pk,
        sk=sk,
        gsi1pk=users_partition(shard),
        gsi1sk=f"{created}#{profile.user_id}",
        gsi2pk=plan_partition(plan, shard),
        gsi2sk=f"{created}#{profile.user_id}",
        user_id=profile.user_id,
        email=profile.email,
        name=profile.name,
        search=_search_text(profile.email, profile.name),
        plan=plan.value,
        plan_version=1,
        shard=shard,
        created_at=created,
        updated_at=clock.iso(now),
        credit_month=month,
        allowance=allowance,
        used=0,
        remaining=allowance,
        last_reset=clock.iso(periods.month_start(month)),
        total_used=0,
    )


def enroll(tx: Transaction, profile: Profile, plan: plans.Plan = plans.DEFAULT) -> Account:
    """Open the account of a user created in `tx` (sign-up, an invitation accepted, a member
    added, `make admin`): it joins the same transaction, and the statistics count the new user
    once it committed."""
    account = new_account(profile, plan)
    tx.save(account, condition=Account.pk.does_not_exist())
    tx.after_commit(lambda: metrics.count_new_account(account.plan, _created_day(account)))
    return account


def _created_day(account: Account) -> date:
    moment = clock.parse(account.created_at)
    return moment.date() if moment else periods.today()


def find(user_id: str) -> Account | None:
    try:
        return Account.get(*account_key(user_id), consistent_read=True)
    except Account.DoesNotExist:
        return None


def ensure(profile: Profile) -> Account:
    """The user's account in the current credit month: opened if the user has none yet (a user
    created before accounts existed, or by a path that did not enroll them), renewed if its month
    is over."""
    account = find(profile.user_id)
    if account is None:
        opened = new_account(profile)
        try:
            opened.save(condition=Account.pk.does_not_exist())
        except PutError as exc:
            account = find(profile.user_id)  # opened concurrently
            if exc.cause_response_code != "ConditionalCheckFailedException" or account is None:
                raise
        else:
            metrics.count_new_account(opened.plan, _created_day(opened))
            return opened
    return renewed(account)


def renewed(account: Account) -> Account:
    """The account in the current credit month: a stale one is reset to its plan's allowance
    (once: the reset is conditioned on the month it was in)."""
    if account.credit_month >= periods.month() or reset(account):
        return account
    fresh = find(account.user_id)  # renewed concurrently (by another request, or the job)
    if fresh is None:
        raise LookupError(f"account of {account.user_id} vanished")
    return fresh


def reset(account: Account) -> bool:
    """Give a stale account the current month's allowance of its plan; False when it was reset
    already (by this call's competitor: the condition names the month it was in)."""
    month = periods.month()
    allowance = plans.allowance(account.plan)
    try:
        account.update(
            actions=[
                Account.credit_month.set(month),
                Account.allowance.set(allowance),
                Account.used.set(0),
                Account.remaining.set(allowance),
                Account.last_reset.set(clock.iso(periods.month_start(month))),
            ],
            condition=Account.credit_month < month,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def seen(account: Account, moment: datetime | None = None) -> None:
    """The user was active (signed in, or spent credits): `lastActive` moves, and the periods of the
    statistics this is their first activity in count them. Nothing is written when they were
    already active today; of two concurrent first activities one counts (the update is conditioned
    on the `lastActive` it replaces)."""
    now = moment or clock.now()
    before = clock.parse(account.last_active_at) if account.last_active_at else None
    if before is not None and before.date() >= now.date():
        return
    previous = Account.last_active_at == account.last_active_at
    try:
        account.update(
            actions=[Account.last_active_at.set(clock.iso(now))],
            condition=previous if account.last_active_at else Account.last_active_at.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return  # another request recorded it first
    fresh = [
        periods.key(period, now.date())
        for period in Period
        if before is None or periods.key(period, before.date()) != periods.key(period, now.date())
    ]
    metrics.count_active(fresh)


def seen_after_commit(account: Account, moment: datetime) -> None:
    """`seen`, after a write already committed: a failure is logged, the write stands."""
    try:
        seen(account, moment)
    except (PynamoDBException, BotoCoreError, ClientError):
        logger.exception("activity not recorded", extra={"userId": account.user_id})


def signed_in(profile: Profile) -> None:
    """A sign-in: the account's directory entry follows the user's email and name, and the user
    counts as active."""
    account = ensure(profile)
    if profile.email != account.email or (profile.name and profile.name != account.name):
        name = profile.name or account.name
        account.update(
            actions=[
                Account.email.set(profile.email),
                Account.name.set(name),
                Account.search.set(_search_text(profile.email, name)),
            ]
        )
    seen(account)
