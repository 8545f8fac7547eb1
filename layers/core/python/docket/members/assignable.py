"""Who work can be given to: an active member of the firm, checked inside the write's transaction.

A task's assignee and an event's attendees are checked by a `ConditionCheck` on each one's
membership item in the same `TransactWriteItems` as the write (no read before it), so a member
removed meanwhile cannot slip in: the write fails with a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable

from docket.data.transactions import Transaction
from docket.errors import ValidationFailed

ACTIVE = "active"


def require_members(tx: Transaction, org_id: str, user_ids: Iterable[str], *, field: str) -> None:
    """In `tx`: each of `user_ids` is an active member of the firm, or the write is a 400 on `field`."""
    # the identity module is heavy (password hashing, mail); only writes that name people load it
    from docket.identity.accounts import Membership, membership_key

    for user_id in dict.fromkeys(user_ids):
        pk, sk = membership_key(org_id, user_id)
        refusal = ValidationFailed(
            "Not a member of this firm",
            details=[{"field": field, "message": f"{user_id} is not an active member of this firm"}],
        )
        active = Membership.pk.exists() & (Membership.status == ACTIVE)
        tx.check(Membership(pk=pk, sk=sk), active, refusal=refusal)
