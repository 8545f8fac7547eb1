"""The admin log: every action of a platform administrator (seed 002's `GET /admin/logs`).

An entry is written in the same transaction as the action it records (a plan change), or alone
for actions that write nothing else (a sign-in). Entries name the administrator and the target
user as they were at the time (id, email, name), so the log reads the same after either changes.

Access patterns (docs/access-patterns.md, X1-X3): all entries, newest first, `pk = PLATFORM#ADMINLOG`
(administrators act at human speed: one partition takes them); by administrator, GSI1
`PLATFORM#ADMINLOG#BY#<adminId>`; by action, GSI2 `PLATFORM#ADMINLOG#ACTION#<action>`; all sorted
by `<createdAt>#<id>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from docket import clock
from docket.api import request as request_state
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data.models import TableItem, item_key
from docket.data.transactions import Transaction
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

PARTITION = "PLATFORM#ADMINLOG"


class AdminAction(StrEnum):
    """What administrators do; seed 002 names `UPDATE_USER_ROLE`."""

    CREATE_ADMIN = "CREATE_ADMIN"
    RENEW_ADMIN_PASSWORD_LINK = "RENEW_ADMIN_PASSWORD_LINK"
    ADMIN_SIGN_IN = "ADMIN_SIGN_IN"
    ADMIN_SIGN_OUT = "ADMIN_SIGN_OUT"
    UPDATE_USER_ROLE = "UPDATE_USER_ROLE"


@dataclass(frozen=True)
class Person:
    """Someone an entry names, as they were when it was written."""

    id: str
    email: str = ""
    name: str = ""


class AdminLogEntry(TableItem, discriminator="admin_log"):
    id = UnicodeAttribute()
    action = UnicodeAttribute()
    admin_id = UnicodeAttribute()
    admin_email = UnicodeAttribute(default="")
    admin_name = UnicodeAttribute(default="")
    target_id = UnicodeAttribute(null=True)
    target_email = UnicodeAttribute(null=True)
    details = JSONAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def entry(
    admin: Person, action: AdminAction, *, target: Person | None = None, details: dict[str, Any]
) -> AdminLogEntry:
    now = clock.iso()
    entry_id = new_id("adm")
    order = f"{now}#{entry_id}"
    return AdminLogEntry(
        pk=PARTITION,
        sk=order,
        gsi1pk=f"{PARTITION}#BY#{admin.id}",
        gsi1sk=order,
        gsi2pk=f"{PARTITION}#ACTION#{action.value}",
        gsi2sk=order,
        id=entry_id,
        action=action.value,
        admin_id=admin.id,
        admin_email=admin.email,
        admin_name=admin.name,
        target_id=target.id if target else None,
        target_email=target.email if target else None,
        details=details,
        request_id=request_state.current().request_id or None,
        created_at=now,
    )


def add(
    tx: Transaction,
    admin: Person,
    action: AdminAction,
    *,
    target: Person | None = None,
    details: dict[str, Any],
) -> None:
    """Record an action in the transaction that performs it."""
    tx.save(entry(admin, action, target=target, details=details), condition=AdminLogEntry.pk.does_not_exist())


def record(
    admin: Person, action: AdminAction, *, target: Person | None = None, details: dict[str, Any]
) -> None:
    """Record an action that writes nothing else (a sign-in)."""
    entry(admin, action, target=target, details=details).save(condition=AdminLogEntry.pk.does_not_exist())


def list_entries(
    principal: Principal, page: PageRequest, *, action: AdminAction | None = None, admin_id: str | None = None
) -> Page[AdminLogEntry]:
    """The log newest first, by administrator and/or action (one Query)."""
    principal.require(permissions.PLATFORM_LOGS)
    condition = None
    if admin_id is not None:
        index: Any = AdminLogEntry.gsi1
        partition = f"{PARTITION}#BY#{admin_id}"
        if action is not None:
            condition = AdminLogEntry.action == action.value
    elif action is not None:
        index, partition = AdminLogEntry.gsi2, f"{PARTITION}#ACTION#{action.value}"
    else:
        index, partition = None, PARTITION

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[AdminLogEntry]:
        source = AdminLogEntry if index is None else index
        return source.query(
            partition,
            filter_condition=condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )

    def count() -> int:
        source = AdminLogEntry if index is None else index
        return int(source.count(partition, filter_condition=condition))

    scope = Scope(tenant="PLATFORM", query={"list": "admin-log", "action": action, "admin": admin_id})
    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, index), count=count)
