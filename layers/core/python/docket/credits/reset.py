"""The monthly reset of credits by plan, as a scheduled job that never reads everyone at once.

`topology.SCHEDULES` runs `credits-monthly-reset` every 15 minutes on a month's first days. Each
run pages through the platform directory (GSI1 `PLATFORM#USERS#<shard>`, shard by shard, `PAGE`
accounts per Query) and resets every account still in an earlier month to its plan's allowance,
until `BUDGET` accounts or its time run out; where it stopped is saved per month (`pk =
PLATFORM#JOB#credits-monthly-reset`, `sk = <yyyy-mm>`), and the next run resumes there. A month
that is done is a no-op (one read). Resetting an account is conditioned on its month
(`docket.credits.accounts.renewed`), so a run, a retry and the lazy reset of a request that meets
a stale account never reset it twice: the job brings dormant accounts up to date, while nobody
ever waits for it — a user's first read or debit in a new month resets their account anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from docket import clock
from docket.credits import periods
from docket.credits.accounts import USER_SHARDS, Account, reset, users_partition
from docket.data.models import TableItem

JOB = "credits-monthly-reset"
#: accounts per directory Query
PAGE = 100
#: accounts one run looks at, at most
BUDGET = 2_000
#: a run stops paging when its invocation has less time left than this
MARGIN_S = 10.0


class ResetProgress(TableItem, discriminator="credit_reset_progress"):
    month = UnicodeAttribute()
    shard = NumberAttribute(default=0)
    #: where the next page of `shard` starts (None: at its beginning)
    position = JSONAttribute(null=True)
    done = BooleanAttribute(default=False)
    examined = NumberAttribute(default=0)
    reset = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()


def _key(month: str) -> tuple[str, str]:
    return f"PLATFORM#JOB#{JOB}", month


@dataclass(frozen=True)
class RunResult:
    month: str
    done: bool
    examined: int
    reset: int

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "done": self.done, "examined": self.examined, "reset": self.reset}


def _progress(month: str) -> ResetProgress:
    try:
        return ResetProgress.get(*_key(month), consistent_read=True)
    except ResetProgress.DoesNotExist:
        pk, sk = _key(month)
        return ResetProgress(pk=pk, sk=sk, month=month, updated_at=clock.iso())


def run(*, budget: int = BUDGET, seconds_left: Callable[[], float] | None = None) -> RunResult:
    """One run of the job: reset up to `budget` stale accounts from where the last run stopped."""
    month = periods.month()
    progress = _progress(month)
    examined = renewed = 0
    while not progress.done and examined < budget:
        if seconds_left is not None and seconds_left() < MARGIN_S:
            break
        page = Account.gsi1.query(
            users_partition(int(progress.shard)),
            limit=min(PAGE, budget - examined),
            last_evaluated_key=progress.position or None,
        )
        seen = renewed_here = 0
        for item in page:
            seen += 1
            # the index may lag a reset a request made meanwhile: `reset` is conditioned on the month
            if isinstance(item, Account) and item.credit_month < month and reset(item):
                renewed_here += 1
        following = page.last_evaluated_key
        if following and seen:
            progress.position = following
        else:
            progress.shard = int(progress.shard) + 1
            progress.position = None
            progress.done = int(progress.shard) >= USER_SHARDS
        examined += seen
        renewed += renewed_here
        progress.examined = int(progress.examined or 0) + seen
        progress.reset = int(progress.reset or 0) + renewed_here
        progress.updated_at = clock.iso()
        progress.save()
    return RunResult(month=month, done=bool(progress.done), examined=examined, reset=renewed)
