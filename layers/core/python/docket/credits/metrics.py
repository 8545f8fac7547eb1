"""The platform's statistics (seed 002's `GET /admin/statistics`), counted on write.

One tally, `platform`, in `SHARDS` shards (docket.data.sharded): per day (`DAY#…`) new users,
active users, tokens used, searches, Q&A and conversations; per week, month and year the users
active in it (each user once, see docket.credits.activity); and `TOTAL`: users, and users per plan
role. Writers count after their transaction committed; nothing here is ever scanned.
"""

from __future__ import annotations

from datetime import date

from docket.credits import periods
from docket.credits.periods import Period
from docket.data import sharded

TALLY = "platform"
#: Each shard takes ~1,000 increments a second; every research call makes one.
SHARDS = 8
TOTAL = "TOTAL"

USERS = "users"
NEW_USERS = "newUsers"
ACTIVE_USERS = "activeUsers"
TOKENS = "tokens"
SEARCHES = "searches"
QA = "qa"
CONVERSATIONS = "conversations"


def plan_field(plan: str) -> str:
    return f"plan:{plan}"


def count_new_account(plan: str, created: date) -> None:
    sharded.add_after_commit(TALLY, periods.key(Period.DAY, created), {NEW_USERS: 1}, shards=SHARDS)
    sharded.add_after_commit(TALLY, TOTAL, {USERS: 1, plan_field(plan): 1}, shards=SHARDS)


def count_plan_change(before: str, after: str) -> None:
    sharded.add_after_commit(TALLY, TOTAL, {plan_field(before): -1, plan_field(after): 1}, shards=SHARDS)


def count_usage(day: date, *, tokens: int, searches: int = 0, qa: int = 0, conversations: int = 0) -> None:
    counts = {TOKENS: tokens, SEARCHES: searches, QA: qa, CONVERSATIONS: conversations}
    sharded.add_after_commit(TALLY, periods.key(Period.DAY, day), counts, shards=SHARDS)


def count_active(period_keys: list[str]) -> None:
    for period_key in period_keys:
        sharded.add_after_commit(TALLY, period_key, {ACTIVE_USERS: 1}, shards=SHARDS)
