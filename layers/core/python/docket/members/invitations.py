"""Invitations (seed 001): a firm invites someone by email with a role; they accept with a single-use,
expiring token sent to that address, stored only as a hash.

Accepting creates the invitee's account (`{firstName, lastName, password}`: the mail proved the
address is theirs, so it is verified), or, for an address that already has an account, adds the
membership once the invitee proves the account is theirs: its password (and a current MFA code
when it has MFA), or a bearer token of that account. The membership, the invitation's acceptance
(on condition it is still pending and unexpired) and the audit entries are one transaction, so two
acceptances of one token cannot both succeed.

Access patterns (docs/access-patterns.md, N1-N5):
- invitation by id:             pk = ORG#<org>#INVITATION#<id>, sk = META
- a firm's invitations:         gsi1 pk = ORG#<org>#INVITATIONS, sk = <createdAt>#<id>
- by status:                    gsi2 pk = ORG#<org>#INVITATIONS#<status>, sk = <expiresAt>#<id>
  (pending ones past their expiry are `expired`: the sort key's range tells them apart)
- invitation by token:          pk = INVITE#<sha256(token)>, sk = TOKEN → organization and id
- the pending invitation of an address (one at a time): pk = ORG#<org>#INVITEE#<email>, sk = PENDING
"""

from __future__ import annotations

import hashlib
import html
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from docket import clock, mail
from docket.access import roles
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data.models import TableItem, TenantItem, item_key, org_key
from docket.data.transactions import transaction
from docket.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from docket.identity import accounts, passwords
from docket.identity.accounts import Membership, User
from docket.ids import new_id
from docket.members import memberships
from docket.security import permissions
from docket.security.principal import Principal
from docket.settings import get_settings

LIFETIME = timedelta(days=7)
PENDING = "pending"
ACCEPTED = "accepted"
REVOKED = "revoked"
EXPIRED = "expired"
SUBJECT = "You are invited to join {firm} on Docket"


class Invitation(TenantItem, discriminator="invitation"):
    ID_PREFIX = "inv"

    email = UnicodeAttribute()
    #: the role as a membership names it (`Role.ref`), and as it was called when the invitation went out
    role_ref = UnicodeAttribute()
    role_id = UnicodeAttribute()
    role_number = NumberAttribute()
    role_slug = UnicodeAttribute()
    role_name = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    inviter_name = UnicodeAttribute()
    #: pending, accepted or revoked (a pending invitation past `expires_at` is expired)
    status = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    accepted_at = UnicodeAttribute(null=True)
    accepted_by = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": f"{org_key(self.org_id)}#INVITATION#{self.id}",
            "sk": "META",
            "gsi1pk": _partition(self.org_id),
            "gsi1sk": f"{self.created_at}#{self.id}",
            "gsi2pk": _partition(self.org_id, self.status),
            "gsi2sk": f"{self.expires_at}#{self.id}",
        }

    @property
    def state(self) -> str:
        """pending, accepted, revoked, or expired (pending past its expiry)."""
        if self.status == PENDING and self.expires_at < clock.iso():
            return EXPIRED
        return str(self.status)


class InvitationToken(TableItem, discriminator="invitation_token"):
    """`INVITE#<sha256(token)>`: which invitation a token opens (the token itself is never stored)."""

    org_id = UnicodeAttribute()
    invitation_id = UnicodeAttribute()


class PendingInvitation(TableItem, discriminator="pending_invitation"):
    """The one pending invitation of an address in a firm (a claim, taken by a conditional put)."""

    org_id = UnicodeAttribute()
    invitation_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()


def _partition(org_id: str, status: str | None = None) -> str:
    partition = f"{org_key(org_id)}#INVITATIONS"
    return partition if status is None else f"{partition}#{status}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _token_key(token: str) -> tuple[str, str]:
    return f"INVITE#{_digest(token)}", "TOKEN"


def _pending_key(org_id: str, email: str) -> tuple[str, str]:
    return f"{org_key(org_id)}#INVITEE#{email}", "PENDING"


class AlreadyInvited(Conflict):
    default_message = "This address already has a pending invitation: withdraw it to invite again"


def _not_found() -> NotFound:
    return NotFound("Invitation not found")


# --- the firm's side: invite, list, withdraw -------------------------------------------------


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    #: the token, for the mail alone (never answered by the API)
    token: str


def invite(principal: Principal, email: str, role_reference: int | str) -> Sent:
    """Invite `email` with the role `role_reference` names (which the caller must be able to assign).
    An address that is already a member (in any status) is a 409, and so is one with a pending
    invitation."""
    principal.require(permissions.INVITATIONS_WRITE)
    role = roles.assignable(principal, role_reference)
    address = accounts.normalize_email(email)
    existing = accounts.find_user_by_email(address)
    if existing is not None and _membership(principal.org_id, existing.id) is not None:
        raise memberships.AlreadyMember(
            "This address belongs to a member of the organization already",
            details={"field": "email", "userId": existing.id},
        )
    inviter = accounts.find_user(principal.user_id)
    token = secrets.token_urlsafe(32)
    expires = clock.now() + LIFETIME
    invitation = Invitation(
        id=new_id(Invitation.ID_PREFIX),
        org_id=principal.org_id,
        email=address,
        role_ref=role.ref,
        role_id=role.id,
        role_number=role.number,
        role_slug=role.slug,
        role_name=role.name,
        invited_by=principal.user_id,
        inviter_name=inviter.name if inviter else principal.email or "A colleague",
        status=PENDING,
        expires_at=clock.iso(expires),
        token_hash=_digest(token),
    )
    pointer_pk, pointer_sk = _token_key(token)
    claim_pk, claim_sk = _pending_key(principal.org_id, address)
    with transaction(principal) as tx:
        tx.save(invitation, condition=Invitation.pk.does_not_exist())
        tx.save(
            InvitationToken(
                pointer_pk,
                pointer_sk,
                org_id=principal.org_id,
                invitation_id=invitation.id,
                ttl=LIFETIME + timedelta(days=1),
            ),
            condition=InvitationToken.pk.does_not_exist(),
        )
        tx.save(
            PendingInvitation(
                claim_pk,
                claim_sk,
                org_id=principal.org_id,
                invitation_id=invitation.id,
                expires_at=invitation.expires_at,
            ),
            condition=PendingInvitation.pk.does_not_exist() | (PendingInvitation.expires_at < clock.iso()),
            refusal=AlreadyInvited(details={"field": "email"}),
        )
        tx.audit(
            "user.invited",
            invitation,
            {"email": address, "role": role.ref, "expiresAt": invitation.expires_at},
        )
    _mail(invitation, token)
    return Sent(invitation, token)


def _mail(invitation: Invitation, token: str) -> None:
    firm = accounts.get_organization(invitation.org_id).name
    link = f"{get_settings().token_issuer}/invitations/token/{token}"
    accept = f"{get_settings().token_issuer}/invitations/accept/{token}"
    until = invitation.expires_at[:10]
    mail.send_after_commit(
        invitation.email,
        SUBJECT.format(firm=_one_line(firm)),
        f"Hello,\n\n{invitation.inviter_name} invited you to join {firm} on Docket as "
        f"{invitation.role_name}.\n\nSee the invitation: {link}\nAccept it (until {until}): POST {accept}\n"
        "with your first name, last name and a password — or, if you already have a Docket account, "
        "its password.\n\nThe link works once. If you did not expect this, ignore this mail.\n",
        f"<p>Hello,</p><p>{html.escape(invitation.inviter_name)} invited you to join "
        f"<strong>{html.escape(firm)}</strong> on Docket as {html.escape(invitation.role_name)}.</p>"
        f'<p><a href="{html.escape(link)}">See the invitation</a> (valid until {until}; it works once).</p>'
        "<p>If you did not expect this, ignore this mail.</p>",
    )


def _one_line(text: str) -> str:
    """A value fit for a mail header: no line breaks or other control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _membership(org_id: str, user_id: str) -> Membership | None:
    try:
        return Membership.get(*accounts.membership_key(org_id, user_id), consistent_read=True)
    except Membership.DoesNotExist:
        return None


def get(principal: Principal, invitation_id: str) -> Invitation:
    principal.require(permissions.INVITATIONS_READ)
    return _load(principal.org_id, invitation_id)


def _load(org_id: str, invitation_id: str, *, consistent: bool = False) -> Invitation:
    try:
        return Invitation.get(
            f"{org_key(org_id)}#INVITATION#{invitation_id}", "META", consistent_read=consistent
        )
    except Invitation.DoesNotExist:
        raise _not_found() from None


def list_invitations(
    principal: Principal, page: PageRequest, *, status: str | None = None
) -> Page[Invitation]:
    """The firm's invitations, newest first; `status` narrows them (expired: pending past expiry)."""
    principal.require(permissions.INVITATIONS_READ)
    org_id, now = principal.org_id, clock.iso()
    if status is None:
        index: Any = Invitation.gsi1
        partition, condition = _partition(org_id), None
    else:
        index = Invitation.gsi2
        stored = PENDING if status == EXPIRED else status
        partition = _partition(org_id, stored)
        condition = {
            PENDING: Invitation.gsi2sk > now,
            EXPIRED: Invitation.gsi2sk < now,
        }.get(status)

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[Invitation]:
        return index.query(  # type: ignore[no-any-return]
            partition,
            range_key_condition=condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )

    def count() -> int:
        return int(index.count(partition, range_key_condition=condition))

    scope = Scope(tenant=org_id, query={"list": "invitations", "status": status})
    # the status's time boundary moves: a cursor says where it stopped, so the page after it reads on
    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, index), count=count)


def revoke(principal: Principal, invitation_id: str, if_match: str | None) -> Invitation:
    """Withdraw an invitation (`DELETE /invitations/{id}`): its token stops working. An accepted
    one cannot be withdrawn (409: remove the member instead); a withdrawn one is answered as it is."""
    principal.require(permissions.INVITATIONS_WRITE)
    invitation = _load(principal.org_id, invitation_id, consistent=True)
    concurrency.check(if_match, invitation.version)
    if invitation.status == ACCEPTED:
        raise Conflict("This invitation was accepted: remove the member instead (DELETE /users/{userId})")
    if invitation.status == REVOKED:
        return invitation
    invitation.status = REVOKED
    invitation.revoked_at = clock.iso()
    invitation.revoked_by = principal.user_id
    claim = PendingInvitation(*_pending_key(invitation.org_id, invitation.email))
    try:
        with transaction(principal) as tx:
            tx.save(invitation)
            tx.delete(claim, condition=PendingInvitation.invitation_id == invitation.id)
            tx.audit("invitation.revoked", invitation, {"email": invitation.email})
    except Conflict:
        if if_match is not None:
            raise PreconditionFailed() from None
        raise
    return invitation


# --- the invitee's side: see it, accept it ---------------------------------------------------


def by_token(token: str) -> Invitation:
    """The invitation a token opens; an unknown token is a 404 that says no more."""
    if not token or len(token) > 256:
        raise _not_found()
    try:
        pointer = InvitationToken.get(*_token_key(token), consistent_read=True)
    except InvitationToken.DoesNotExist:
        raise _not_found() from None
    invitation = _load(pointer.org_id, pointer.invitation_id, consistent=True)
    if invitation.token_hash != _digest(token):
        raise _not_found()
    return invitation


def email_hint(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _usable(invitation: Invitation) -> None:
    state = invitation.state
    if state == ACCEPTED:
        raise Conflict("This invitation has already been accepted: sign in instead")
    if state == REVOKED:
        raise Gone("This invitation was withdrawn: ask the firm for a new one")
    if state == EXPIRED:
        raise Gone("This invitation has expired: ask the firm for a new one")


@dataclass(frozen=True)
class Accepted:
    invitation: Invitation
    membership: Membership
    user: User
    #: the account was created by this acceptance (and may be signed in at once)
    created: bool


@dataclass(frozen=True)
class Proof:
    """How the invitee shows who they are: the account's password (with a code when it has MFA),
    or a bearer token of the account."""

    password: str | None = None
    mfa_code: str | None = None
    bearer: str | None = None
    ip: str | None = None


def accept(
    token: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    proof: Proof,
) -> Accepted:
    invitation = by_token(token)
    _usable(invitation)
    role = roles.find(invitation.org_id, invitation.role_ref)
    existing = accounts.find_user_by_email(invitation.email)
    if existing is None:
        if proof.bearer is not None:
            from docket.security.authorizer import principal_from_token

            principal_from_token(proof.bearer)  # a bad token is a 401 whatever it was sent for
            raise Forbidden("This invitation was sent to another address than your account's")
        return _accept_new(invitation, role, first_name, last_name, proof)
    _prove(existing, proof)
    actor = Principal(user_id=existing.id, org_id=invitation.org_id)
    with transaction(actor) as tx:
        membership = memberships.join(
            tx, invitation.org_id, existing, [role.ref], invited_by=invitation.invited_by
        )
        _accepted_in(tx, invitation, existing.id)
        tx.audit("member.joined", membership, {"roles": [role.ref], "invitationId": invitation.id})
    return Accepted(invitation, membership, existing, created=False)


def _accept_new(
    invitation: Invitation, role: roles.Role, first_name: str | None, last_name: str | None, proof: Proof
) -> Accepted:
    missing = [
        {"field": name, "message": "required to create your account"}
        for name, value in (("firstName", first_name), ("password", proof.password))
        if not value
    ]
    if missing:
        raise ValidationFailed("Your name and a password are needed to create your account", details=missing)
    password = str(proof.password)
    passwords.require_strong(password, email=invitation.email)
    now = clock.iso()
    user_id = new_id("usr")
    user = User(
        pk=f"USER#{user_id}",
        sk="META",
        id=user_id,
        email=invitation.email,
        first_name=str(first_name),
        last_name=last_name or "",
        password_hash=passwords.hash_password(password),
        # the token came to this address: it is the invitee's
        email_verified_at=now,
        default_org_id=invitation.org_id,
        created_at=now,
    )
    actor = Principal(user_id=user_id, org_id=invitation.org_id)
    with transaction(actor) as tx:
        accounts.open_account(
            tx,
            user,
            taken=Conflict(
                "An account with this address was created meanwhile: accept with its password",
                details={"field": "password"},
            ),
        )
        membership = memberships.join(
            tx, invitation.org_id, user, [role.ref], invited_by=invitation.invited_by
        )
        _accepted_in(tx, invitation, user_id)
        tx.audit("member.joined", membership, {"roles": [role.ref], "invitationId": invitation.id})
    return Accepted(invitation, membership, user, created=True)


def _accepted_in(tx: Any, invitation: Invitation, user_id: str) -> None:
    """The invitation accepted by `user_id`, on condition it is still pending and unexpired (its
    version read is a condition too: two acceptances cannot both commit)."""
    invitation.status = ACCEPTED
    invitation.accepted_at = clock.iso()
    invitation.accepted_by = user_id
    tx.save(
        invitation,
        condition=Invitation.expires_at > invitation.accepted_at,
        refusal=Conflict("This invitation has already been accepted: sign in instead"),
    )
    tx.delete(PendingInvitation(*_pending_key(invitation.org_id, invitation.email)))
    tx.audit("invitation.accepted", invitation, {"userId": user_id})


def _prove(user: User, proof: Proof) -> None:
    """The invitee owns `user`: a bearer token of that account, or its password (and a current code
    when it has MFA). Failed passwords count towards the account's sign-in lockout."""
    if proof.bearer is not None:
        from docket.security.authorizer import principal_from_token

        if principal_from_token(proof.bearer).user_id != user.id:
            raise Forbidden("This invitation is for another account")
        return
    if not proof.password:
        raise AuthenticationFailed(
            "An account with this address exists: accept with its password, or signed in as it"
        )
    from docket.identity import throttle

    throttle.check(user.email, proof.ip)
    if not passwords.verify_password(user.password_hash, proof.password):
        throttle.failed(user.email, proof.ip)
        raise AuthenticationFailed("Invalid email or password")
    if user.status != "active":
        raise AuthenticationFailed("This account is disabled")
    if user.mfa_enabled:
        if not proof.mfa_code:
            raise AuthenticationFailed("This account has MFA: send mfaCode with the password")
        from docket.identity import mfa

        mfa.verify(user, proof.mfa_code)
    throttle.succeeded(user.email)
