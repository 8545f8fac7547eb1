"""Every firm's users, for platform administrators: the directory and plan roles (seed 002).

The directory is the platform accounts' index (docket.credits.accounts): GSI1
`PLATFORM#USERS#<shard>` for everyone, GSI2 `PLATFORM#PLAN#<plan>#<shard>` by plan role, newest
first; a page is one Query per shard, merged (`paginate_shards`); `search` filters on the
account's lower-case `email name`. With `page`, `total` comes from the statistics' counters (no
count query) unless a search narrows the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docket import clock
from docket.admin import log
from docket.admin.admins import person
from docket.admin.log import AdminAction, Person
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_shards
from docket.credits import accounts as platform_accounts
from docket.credits import metrics, plans
from docket.credits.accounts import USER_SHARDS, Account, plan_partition, users_partition
from docket.data import sharded
from docket.data.models import item_key
from docket.data.transactions import transaction
from docket.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from docket.identity import accounts
from docket.security import permissions
from docket.security.principal import Principal

#: a plan change retries this often when a debit changed the balance between its read and write
_ATTEMPTS = 3


def list_users(
    principal: Principal, page: PageRequest, *, plan: plans.Plan | None = None, search: str | None = None
) -> Page[Account]:
    principal.require(permissions.PLATFORM_USERS)
    needle = (search or "").strip().lower() or None
    condition = Account.search.contains(needle) if needle else None
    index = Account.gsi2 if plan is not None else Account.gsi1

    def partition(shard: int) -> str:
        return plan_partition(plan.value, shard) if plan is not None else users_partition(shard)

    def shard_query(shard: int) -> Any:
        def query(limit: int, start: dict[str, Any] | None) -> Iterable[Account]:
            return index.query(  # type: ignore[return-value]
                partition(shard),
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )

        return query

    def count() -> int:
        if needle is None:
            total = sharded.read(metrics.TALLY, [metrics.TOTAL], shards=metrics.SHARDS)[metrics.TOTAL]
            return max(0, total[metrics.plan_field(plan.value) if plan is not None else metrics.USERS])
        return sum(
            int(index.count(partition(shard), filter_condition=condition)) for shard in range(USER_SHARDS)
        )

    scope = Scope(tenant="PLATFORM", query={"list": "users", "plan": plan, "search": needle})
    return paginate_shards(
        [shard_query(shard) for shard in range(USER_SHARDS)],
        page,
        scope,
        key_of=lambda item: item_key(item, index),
        order_of=lambda item: str(item.gsi1sk),
        count=count,
    )


def _account(user_id: str) -> Account:
    account = platform_accounts.find(user_id)
    if account is not None:
        return platform_accounts.renewed(account)
    user = accounts.find_user(user_id)
    if user is None:
        raise NotFound("User not found")
    return platform_accounts.ensure(accounts.platform_profile(user))


def change_role(
    principal: Principal, user_id: str, role: plans.Plan, reason: str, if_match: str | None = None
) -> Account:
    """Give a user another plan role (`free`, `pay`, `vip`): this month's allowance follows at
    once (what was used stays used), and the change is in the admin log with its reason. The same
    role again changes nothing. Platform administrators' own role is the command line's."""
    principal.require(permissions.PLATFORM_USERS)
    for attempt in range(_ATTEMPTS):
        account = _account(user_id)
        concurrency.check(if_match, int(account.plan_version))
        if account.plan == plans.Plan.ADMIN:
            raise Forbidden("A platform administrator's role is changed with the command line only")
        if account.plan == role.value:
            return account
        try:
            return _write_role(principal, account, role, reason)
        except Conflict:
            if if_match is not None:
                raise PreconditionFailed() from None
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _write_role(principal: Principal, account: Account, role: plans.Plan, reason: str) -> Account:
    before = account.plan
    allowance = plans.allowance(role)
    remaining = max(0, allowance - int(account.used))
    now = clock.iso()
    with transaction(principal, conflict_message="The account changed meanwhile; try again") as tx:
        tx.update(
            account,
            actions=[
                Account.plan.set(role.value),
                Account.gsi2pk.set(plan_partition(role.value, int(account.shard))),
                Account.plan_version.add(1),
                Account.allowance.set(allowance),
                Account.remaining.set(remaining),
                Account.updated_at.set(now),
            ],
            # the balance is computed from what was read: a debit in between makes it try again
            condition=(Account.plan == before)
            & (Account.used == account.used)
            & (Account.credit_month == account.credit_month),
        )
        log.add(
            tx,
            person(principal),
            AdminAction.UPDATE_USER_ROLE,
            target=Person(account.user_id, account.email, account.name),
            details={"oldRole": before, "newRole": role.value, "reason": reason},
        )
        tx.after_commit(lambda: metrics.count_plan_change(before, role.value))
    account.plan = role.value
    account.gsi2pk = plan_partition(role.value, int(account.shard))
    account.plan_version = int(account.plan_version) + 1
    account.allowance = allowance
    account.remaining = remaining
    account.updated_at = now
    return account
