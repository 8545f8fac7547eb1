"""Members and invitations as the API answers them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docket.access import roles
from docket.identity.accounts import Membership
from docket.members import invitations, memberships
from docket.members.invitations import Invitation
from docket.members.schemas import (
    InvitationOut,
    InvitationPreview,
    InvitedAs,
    InvitedBy,
    InvitedTo,
    MemberOut,
    RoleOut,
)
from docket.members.service import Member


def _role_out(role: roles.Role) -> RoleOut:
    return RoleOut(id=role.id, number=role.number, slug=role.slug, name=role.name)


def _roles_by_ref(org_id: str, refs: Iterable[str]) -> dict[str, RoleOut]:
    """Every role the refs name (custom ones in one BatchGetItem)."""
    return {role.ref: _role_out(role) for role in roles.roles_of(org_id, refs)}


def member(found: Member) -> MemberOut:
    membership = found.membership
    return _member(
        membership, _roles_by_ref(membership.org_id, (str(r) for r in membership.roles or ())), found
    )


def members(org_id: str, page: Sequence[Membership]) -> list[MemberOut]:
    """A page of members, their roles read once for the whole page."""
    known = _roles_by_ref(org_id, (str(r) for m in page for r in m.roles or ()))
    return [_member(m, known) for m in page]


def _member(membership: Membership, known: dict[str, RoleOut], found: Member | None = None) -> MemberOut:
    user = found.user if found is not None else None
    refs = [str(r) for r in membership.roles or ()]
    first = (user.first_name if user else membership.first_name) or ""
    last = (user.last_name if user else membership.last_name) or ""
    out = MemberOut(
        id=membership.user_id,
        email=(user.email if user else membership.email) or "",
        name=f"{first} {last}".strip(),
        first_name=first,
        last_name=last,
        role=refs[0] if refs else None,
        roles=refs,
        role_details=[known[ref] for ref in refs if ref in known],
        status=memberships.status_of(membership),
        created_at=membership.joined_at,
        joined_at=membership.joined_at,
        updated_at=membership.updated_at or membership.joined_at,
        invited_by=membership.invited_by,
        revoked_at=membership.revoked_at,
        revoked_reason=membership.revoked_reason,
        version=int(membership.version or 0),
    )
    if user is not None:
        out = out.model_copy(
            update={
                "phone": user.phone,
                "email_verified": user.email_verified_at is not None,
                "mfa_enabled": bool(user.mfa_enabled),
                "password_pending": user.password_hash is None or bool(user.password_change_required),
            }
        )
    return out


def invitation(item: Invitation) -> InvitationOut:
    return InvitationOut(
        id=item.id,
        email=item.email,
        role=_invited_role(item),
        status=item.state,
        invited_by=item.invited_by,
        invited_by_name=item.inviter_name,
        expires_at=item.expires_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        accepted_at=item.accepted_at,
        accepted_by=item.accepted_by,
        revoked_at=item.revoked_at,
        version=int(item.version or 0),
    )


def _invited_role(item: Invitation) -> RoleOut:
    """The role as it was when the invitation went out (no read: a list page stays one Query)."""
    return RoleOut(id=item.role_id, number=int(item.role_number), slug=item.role_slug, name=item.role_name)


def preview(item: Invitation, organization_name: str) -> InvitationPreview:
    return InvitationPreview(
        organization=InvitedTo(name=organization_name),
        role=InvitedAs(name=item.role_name, slug=item.role_slug),
        invited_by=InvitedBy(name=item.inviter_name),
        email_hint=invitations.email_hint(item.email),
        status=item.state,
        expires_at=item.expires_at,
    )
