"""What a caller holds right now: resolved on every request from the membership and its roles.

The authorizer reads a Docket access token's session and the membership it acts in together, in
one consistent `BatchGetItem` (both keys come from the token: `sid`, then `sub` + `custom:org_id`),
and, only when the membership names custom roles, those roles in a second one. So a changed role,
a changed membership, a revoked membership or a revoked session takes effect on the holder's next
request; the token's `scope` is what the member held when it was issued (informational).

API keys act for their creator: a key holds its own grants narrowed to what its creator holds now
(`permissions.narrow`), and stops working when its creator's membership does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from docket import clock
from docket.access import roles
from docket.data.models import TableItem
from docket.errors import AuthenticationFailed

if TYPE_CHECKING:
    from docket.identity.accounts import Membership
    from docket.identity.sessions import Session

ACTIVE = "active"


@dataclass(frozen=True)
class Standing:
    """What a membership grants now: its role refs and their permissions."""

    roles: tuple[str, ...]
    permissions: tuple[str, ...]


def _membership_valid(membership: Membership | None, org_id: str, user_id: str) -> bool:
    return (
        membership is not None
        and membership.org_id == org_id
        and membership.user_id == user_id
        and (membership.status or ACTIVE) == ACTIVE
    )


def active(membership: Membership) -> Standing | None:
    """What an active membership grants now; None for one that is not active."""
    return (
        granted(membership) if _membership_valid(membership, membership.org_id, membership.user_id) else None
    )


def granted(membership: Membership) -> Standing:
    refs = tuple(str(r) for r in membership.roles or ())
    return Standing(roles=refs, permissions=roles.grants_of(membership.org_id, refs))


def of_session(session_id: str, user_id: str, org_id: str) -> tuple[Session, Standing]:
    """The session's standing, or AuthenticationFailed when the session is not live (revoked,
    expired, another user's or organization's) or the membership is gone or not active."""
    from docket.identity.accounts import Membership, membership_key
    from docket.identity.sessions import Session, session_key

    wanted = [session_key(session_id), membership_key(org_id, user_id)]
    found = {(item.pk, item.sk): item for item in TableItem.batch_get(wanted, consistent_read=True)}
    session, membership = found.get(wanted[0]), found.get(wanted[1])
    if (
        not isinstance(session, Session)
        or session.revoked_at is not None
        or session.expires_at <= clock.iso()
        or session.user_id != user_id
        or session.org_id != org_id
    ):
        raise AuthenticationFailed("Session is not active")
    if not isinstance(membership, Membership) or not _membership_valid(membership, org_id, user_id):
        raise AuthenticationFailed("You are no longer a member of this organization")
    return session, granted(membership)


def of_member(org_id: str, user_id: str) -> Standing | None:
    """What the user holds in the organization now; None when they are not an active member."""
    from docket.identity.accounts import Membership, membership_key

    try:
        membership = Membership.get(*membership_key(org_id, user_id), consistent_read=True)
    except Membership.DoesNotExist:
        return None
    return granted(membership) if _membership_valid(membership, org_id, user_id) else None
