"""A member's place in a firm over time — joining, a change of roles or status, leaving — and the
rule that a firm always keeps an active owner.

Every change of a membership (`accounts.Membership`) goes through `join`, `change` or `leave`, inside
the caller's transaction. Each writes the membership (its version is the condition: a lost race is a
409), the user's side of it (`UserOrganization`), the members per role (`roles.count_holders`), the
members per status (`docket.data.tallies`, read by `GET /organizations/me/stats`) and the firm's
count of active owners (`ActiveOwners`, `ORG#<org>` / `OWNERS`).

**The last owner.** A change that takes an active owner away — a demotion, a suspension, a
revocation, a removal — decrements that count on the condition that it stays at one or more. The
condition is evaluated by DynamoDB inside the transaction, so two administrators demoting the last
two owners at the same moment cannot both succeed: the transactions touch the same item, one commits
and the other's condition (or DynamoDB's conflict detection) fails it with `LastOwner` (409). A firm
whose count was never written (members added before the rule) is counted once from its members.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from docket import clock
from docket.access import roles
from docket.data import tallies
from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction
from docket.errors import Conflict
from docket.identity import accounts, sessions
from docket.identity import roles as system
from docket.identity.accounts import Membership, User, UserOrganization

ACTIVE = "active"
INACTIVE = "inactive"
REVOKED = "revoked"
STATUSES = (ACTIVE, INACTIVE, REVOKED)


class LastOwner(Conflict):
    default_message = (
        "An organization must keep at least one active owner: make another member an owner first"
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, details={"reason": "last_owner"})


class AlreadyMember(Conflict):
    default_message = "This person is already a member of the organization"


class ActiveOwners(TableItem, discriminator="active_owners"):
    """How many active members of the firm hold the owner role."""

    org_id = UnicodeAttribute()
    active = NumberAttribute(default=0)


def _owners_item(org_id: str) -> ActiveOwners:
    return ActiveOwners(org_key(org_id), "OWNERS", org_id=org_id)


@dataclass(frozen=True)
class Place:
    """What a membership is, for the counts: its role refs and status."""

    refs: tuple[str, ...]
    status: str

    @property
    def active_owner(self) -> bool:
        return self.status == ACTIVE and system.OWNER in self.refs


def place_of(membership: Membership) -> Place:
    return Place(tuple(str(r) for r in membership.roles or ()), str(membership.status or ACTIVE))


def status_of(membership: Membership) -> str:
    return str(membership.status or ACTIVE)


def active_owners(org_id: str) -> int:
    """The firm's active owners, as counted (counted once from the members when never written)."""
    try:
        return int(ActiveOwners.get(org_key(org_id), "OWNERS", consistent_read=True).active or 0)
    except ActiveOwners.DoesNotExist:
        return _count_once(org_id)


def _count_once(org_id: str) -> int:
    """Count the active owners from the members (one Query over the firm's member partition) and
    write the count, unless a concurrent request wrote it first."""
    counted = sum(
        1
        for item in Membership.gsi1.query(accounts.members_partition(org_id))
        if isinstance(item, Membership) and place_of(item).active_owner
    )
    item = _owners_item(org_id)
    item.active = counted
    with contextlib.suppress(PutError):  # counted by a concurrent request first: theirs stands
        item.save(condition=ActiveOwners.pk.does_not_exist())
    return int(ActiveOwners.get(org_key(org_id), "OWNERS", consistent_read=True).active or 0)


def _count_owners(tx: Transaction, org_id: str, delta: int, *, new_firm: bool = False) -> None:
    if delta == 0:
        return
    item = _owners_item(org_id)
    actions = [
        ActiveOwners.active.add(delta),
        ActiveOwners.type.set(ActiveOwners),
        ActiveOwners.org_id.set(org_id),
    ]
    if delta > 0:
        if not new_firm:
            active_owners(org_id)  # a firm counted for the first time is counted before it grows
        tx.update(item, actions=actions)
        return
    if active_owners(org_id) + delta < 1:
        raise LastOwner()
    # the count must still allow it when the transaction commits, whatever ran meanwhile
    tx.update(item, actions=actions, condition=ActiveOwners.active >= 1 - delta, refusal=LastOwner())


def record(
    tx: Transaction, org_id: str, before: Place | None, after: Place | None, *, new_firm: bool = False
) -> None:
    """The counts that follow a membership going from `before` to `after` (None: no membership);
    `new_firm`: the firm is being created in this transaction (nothing to count yet)."""
    roles.count_holders(tx, org_id, added=after.refs if after else (), removed=before.refs if before else ())
    statuses = (before.status if before else None, after.status if after else None)
    if statuses[0] != statuses[1]:
        tallies.adjust(tx, org_id, accounts.member_counts(*statuses))
    owners = int(bool(after and after.active_owner)) - int(bool(before and before.active_owner))
    _count_owners(tx, org_id, owners, new_firm=new_firm)


def copy_account(membership: Membership, user: User) -> None:
    """The account's name and email on the membership (what the member list shows and searches)."""
    membership.email = user.email
    membership.first_name = user.first_name
    membership.last_name = user.last_name
    membership.search = " ".join(
        part for part in (user.first_name, user.last_name, user.email) if part
    ).lower()


def join(
    tx: Transaction,
    org_id: str,
    user: User,
    refs: Iterable[str],
    *,
    invited_by: str | None = None,
    new_firm: bool = False,
) -> Membership:
    """Make `user` an active member of the firm holding the roles `refs`; a member already (in any
    status) is `AlreadyMember` when the transaction commits."""
    granted = list(dict.fromkeys(refs))
    now = clock.iso()
    membership = Membership(
        org_id=org_id,
        user_id=user.id,
        roles=granted,
        status=ACTIVE,
        joined_at=now,
        invited_by=invited_by,
    )
    copy_account(membership, user)
    tx.save(membership, condition=Membership.pk.does_not_exist(), refusal=AlreadyMember())
    tx.save(
        UserOrganization(
            pk=f"USER#{user.id}", sk=f"ORG#{org_id}", org_id=org_id, user_id=user.id, roles=granted
        )
    )
    record(tx, org_id, None, Place(tuple(granted), ACTIVE), new_firm=new_firm)
    return membership


def change(tx: Transaction, membership: Membership, before: Place) -> None:
    """Write `membership` as changed in memory (its version read is the condition) and the counts
    that follow from `before`; the user's side follows a change of roles."""
    after = place_of(membership)
    tx.save(membership)
    if after.refs != before.refs:
        tx.save(
            UserOrganization(
                pk=f"USER#{membership.user_id}",
                sk=f"ORG#{membership.org_id}",
                org_id=membership.org_id,
                user_id=membership.user_id,
                roles=list(after.refs),
            )
        )
    record(tx, membership.org_id, before, after)


def leave(tx: Transaction, membership: Membership, user: User | None) -> None:
    """Remove the membership (the account stays: it may belong to other firms), its user's side and
    its counts; a user whose default firm this was defaults to another of theirs."""
    tx.delete(membership)
    tx.delete(UserOrganization(pk=f"USER#{membership.user_id}", sk=f"ORG#{membership.org_id}"))
    record(tx, membership.org_id, place_of(membership), None)
    if user is not None and user.default_org_id == membership.org_id:
        others = [m.org_id for m in accounts.memberships_of(user.id) if m.org_id != membership.org_id]
        action = User.default_org_id.set(others[0]) if others else User.default_org_id.remove()
        tx.update(user, actions=[action])


def end_sessions(org_id: str, user_id: str, *, reason: str) -> int:
    """End every live session the user has in this firm (not their sessions in other firms); the
    membership's new status already refuses their tokens, this keeps a reinstated member from
    getting old sessions back. Returns how many ended."""
    return sum(
        1
        for session in sessions.sessions_of(user_id)
        if session.org_id == org_id
        and sessions.status_of(session) == "active"
        and sessions.end(session, reason=reason)
    )
