"""Members of a firm, administered (seed 000's `/users`, seed 001's `/users/:id`): list, read, add,
change, revoke, remove.

A member is a membership of this firm (`accounts.Membership`, whose version is the member's ETag)
and the account behind it (`accounts.User`, which may belong to other firms too). What a member
holds changes only through the role-assignment service: nobody gives a role granting what they do
not hold, and nobody changes, suspends, revokes or removes a member whose roles they could not have
given (`_manage`), so an administrator cannot touch an owner. The firm's last active owner can be
neither demoted, suspended, revoked nor removed (`memberships.LastOwner`, 409).

The account's own fields (name, phone, email) belong to its owner: an administrator changes them
only for an account that belongs to this firm alone, and its email only until its owner has chosen
a password (a typo in the address the firm added); anything else is a 409 that says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from docket import clock, mail
from docket.access import roles
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_list, paginate_query
from docket.data.changes import diff
from docket.data.models import TableItem, item_key
from docket.data.transactions import transaction
from docket.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from docket.identity import accounts, onetime, passwords
from docket.identity.accounts import EmailClaim, Membership, User
from docket.ids import is_id, new_id
from docket.members import invitations, memberships
from docket.members.schemas import MemberIn, MemberUpdate
from docket.security import permissions
from docket.security.principal import Principal
from docket.settings import get_settings

SORTS = ("name", "email", "createdAt")


@dataclass(frozen=True)
class Member:
    membership: Membership
    #: the account (None on list pages: the membership carries what a list shows)
    user: User | None = None


def _not_found() -> NotFound:
    return NotFound("User not found")


def _read(org_id: str, user_id: str) -> Member:
    """The member and their account in one consistent BatchGetItem (another firm's user is a 404)."""
    if not is_id(user_id, "usr"):
        raise _not_found()
    wanted = [accounts.membership_key(org_id, user_id), (f"USER#{user_id}", "META")]
    found = {(i.pk, i.sk): i for i in TableItem.batch_get(wanted, consistent_read=True)}
    membership, user = found.get(wanted[0]), found.get(wanted[1])
    if not isinstance(membership, Membership) or membership.org_id != org_id:
        raise _not_found()
    return Member(membership, user if isinstance(user, User) else None)


def get(principal: Principal, user_id: str) -> Member:
    principal.require(permissions.USERS_READ)
    return _read(principal.org_id, user_id)


def _manage(principal: Principal, membership: Membership) -> None:
    """The caller may act on this member: they could have given every role the member holds."""
    for role in roles.roles_of(membership.org_id, (str(r) for r in membership.roles or ())):
        refused = roles.beyond(principal, role.permissions)
        if refused:
            raise Forbidden(
                f"You cannot change a member holding the role {role.slug!r}: it grants permissions "
                "you do not hold",
                details={"role": role.slug, "permissions": refused},
            )


# --- listing --------------------------------------------------------------------------------


def list_members(
    principal: Principal,
    page: PageRequest,
    *,
    search: str | None = None,
    role: str | None = None,
    status: str | None = None,
    sort_by: str = "createdAt",
    descending: bool = True,
) -> Page[Membership]:
    """The firm's members (M1/M2). By join date, a page is one Query over the members' index (the
    status's own partition when `status` is given), `role` and `search` filtering it in DynamoDB.
    Sorted by name or email, the firm's members are read in one Query (a firm's members are few:
    a few hundred items, one 1 MB page) and sorted in memory."""
    principal.require(permissions.USERS_READ)
    org_id = principal.org_id
    ref = _role_ref(org_id, role) if role else None
    term = " ".join(search.lower().split()) if search else None
    condition: Any = None
    if ref is not None:
        condition = Membership.roles.contains(ref)
    if term:
        matches = Membership.search.contains(term)
        condition = matches if condition is None else condition & matches
    index: Any = Membership.gsi2 if status else Membership.gsi1
    partition = accounts.members_partition(org_id, status=status)
    scope = Scope(
        tenant=org_id,
        query={
            "list": "members",
            "q": term,
            "role": ref,
            "status": status,
            "sort": sort_by,
            "desc": descending,
        },
    )

    def query(limit: int | None, start: dict[str, Any] | None) -> Iterable[Membership]:
        return index.query(  # type: ignore[no-any-return]
            partition,
            filter_condition=condition,
            scan_index_forward=not descending,
            limit=limit,
            last_evaluated_key=start,
        )

    if sort_by == "createdAt":
        return paginate_query(
            query,
            page,
            scope,
            key_of=lambda item: item_key(item, index),
            count=lambda: int(index.count(partition, filter_condition=condition)),
        )
    everyone = [m for m in query(None, None) if isinstance(m, Membership)]
    field = "email" if sort_by == "email" else "search"
    everyone.sort(key=lambda m: (str(getattr(m, field) or ""), m.user_id), reverse=descending)
    return paginate_list(everyone, page, scope)


def _role_ref(org_id: str, reference: str) -> str:
    try:
        return roles.find(org_id, reference).ref
    except NotFound:
        raise ValidationFailed(
            "No such role", details=[{"field": "role", "message": "no role of this organization"}]
        ) from None


# --- adding a member --------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    """`POST /users`: a new account and its membership, or an invitation to an existing account."""

    member: Member | None = None
    invitation: invitations.Invitation | None = None


SET_PASSWORD_SUBJECT = "Welcome to {firm} on Docket: choose your password"


def add(principal: Principal, body: MemberIn) -> Added:
    """Add a member (seed 000). A new address gets an account and a welcome mail with a link to
    choose a password; `password`, when sent, is a temporary one (the strength policy applies to it
    like to any password): it signs in, and the account stays `passwordPending` — its email the
    firm's to correct — until its user chooses their own (the link, a reset, or change-password;
    sign-in is not refused meanwhile: docs/identity.md). An address that already has
    a Docket account is the account's owner's to bring in: it gets an invitation (`Added.invitation`),
    and joins when they accept it."""
    principal.require(permissions.USERS_WRITE)
    reference = body.role_reference
    if reference is None:
        raise ValidationFailed("Name the member's role", details=[{"field": "role", "message": "required"}])
    role = roles.assignable(principal, reference)
    email = accounts.normalize_email(body.email)
    first, last = body.split_name()
    if not first:
        raise ValidationFailed("Name the member", details=[{"field": "name", "message": "required"}])
    if body.password is not None:
        passwords.require_strong(body.password, email=email)
    if accounts.find_user_by_email(email) is not None:
        return Added(invitation=invitations.invite(principal, email, role.ref).invitation)
    now = clock.iso()
    user_id = new_id("usr")
    user = User(
        pk=f"USER#{user_id}",
        sk="META",
        id=user_id,
        email=email,
        first_name=first,
        last_name=last or "",
        password_hash=passwords.hash_password(body.password) if body.password else None,
        password_change_required=body.password is not None,
        default_org_id=principal.org_id,
        created_at=now,
    )
    if body.phone is not None:
        user.phone = body.phone
    with transaction(principal) as tx:
        accounts.open_account(
            tx,
            user,
            taken=Conflict("An account with this address was created meanwhile: invite it instead"),
        )
        membership = memberships.join(tx, principal.org_id, user, [role.ref], invited_by=principal.user_id)
        tx.audit(
            "user.created", membership, {"email": email, "roles": [role.ref], "addedBy": principal.user_id}
        )
    _welcome(user, principal.org_id)
    return Added(member=Member(membership, user))


def _welcome(user: User, org_id: str) -> None:
    """The welcome mail: a single-use link (7 days) to choose a password, which also verifies the
    address (`POST /auth/reset-password {token, newPassword}` redeems it)."""
    firm = accounts.get_organization(org_id).name
    token = onetime.issue(onetime.SET_PASSWORD, user.id, email=user.email)
    link = f"{get_settings().token_issuer}/auth/reset-password?token={token}"
    temporary = (
        " You were also given a temporary password: replace it with your own with the link below, or"
        " change it once you have signed in."
        if user.password_hash
        else ""
    )
    mail.send_after_commit(
        user.email,
        SET_PASSWORD_SUBJECT.format(firm=invitations._one_line(firm)),
        f"Hello {user.first_name},\n\nYou have been added to {firm} on Docket.{temporary}\n\n"
        f"Choose your password: {link}\n(POST /auth/reset-password with this token and your new "
        "password.) The link works once, for 7 days.\n",
    )


# --- changing a member ----------------------------------------------------------------------


def _account_changes(member: Member, body: MemberUpdate) -> dict[str, Any]:
    sent = body.model_fields_set
    wanted: dict[str, Any] = {}
    if "name" in sent:
        first, _, last = str(body.name).partition(" ")
        wanted["first_name"], wanted["last_name"] = first, last.strip()
    for name in ("first_name", "last_name", "phone"):
        if name in sent:
            wanted[name] = getattr(body, name)
    if "email" in sent:
        wanted["email"] = accounts.normalize_email(str(body.email))
    user = member.user
    if user is None:
        return wanted
    return {name: value for name, value in wanted.items() if getattr(user, name, None) != value}


def _account_is_the_firms(principal: Principal, member: Member, changes: dict[str, Any]) -> User:
    user = member.user
    if user is None:
        raise _not_found()
    others = [m.org_id for m in accounts.memberships_of(user.id) if m.org_id != principal.org_id]
    if others:
        raise Conflict(
            "This account belongs to other organizations too: only its owner changes its name, phone "
            "or email (PUT /users/me)",
            details={"fields": sorted(changes)},
        )
    if "email" in changes and user.password_hash is not None and not user.password_change_required:
        raise Conflict(
            "Only the account's owner changes its email once they have chosen a password",
            details={"field": "email"},
        )
    return user


def update(principal: Principal, user_id: str, body: MemberUpdate, if_match: str | None) -> Member:
    """Change a member's role, status (active or suspended) or — for an account that is the firm's
    alone — its name, phone or email. Nothing changed: the member as they are (same ETag)."""
    principal.require(permissions.USERS_WRITE)
    member = _read(principal.org_id, user_id)
    membership, user = member.membership, member.user
    concurrency.check(if_match, membership.version)
    before = memberships.place_of(membership)
    wanted: dict[str, Any] = {}
    new_role: roles.Role | None = None
    if body.role_reference is not None:
        new_role = roles.find(principal.org_id, body.role_reference)
        wanted["roles"] = [new_role.ref]
    if body.status is not None:
        wanted["status"] = body.status
    member_changes = diff(membership, wanted)
    account = _account_changes(member, body)
    if not member_changes and not account:
        return member
    _manage(principal, membership)
    if new_role is not None and "roles" in member_changes:
        roles.assignable(principal, new_role.ref)
    if before.status == memberships.REVOKED and "status" not in member_changes:
        raise Conflict("This member's access was revoked: reinstate them (status active) first")
    if account:
        user = _account_is_the_firms(principal, member, account)
    account_before = {name: getattr(user, name, None) for name in account}
    previous_email = user.email if user is not None else None
    member_changes.apply(membership)
    if member_changes.after.get("status") == memberships.ACTIVE:
        membership.revoked_at = membership.revoked_by = membership.revoked_reason = None
    if user is not None and account:
        for name, value in account.items():
            setattr(user, name, value)
        memberships.copy_account(membership, user)
    try:
        with transaction(principal) as tx:
            memberships.change(tx, membership, before)
            if user is not None and account:
                _write_account(tx, user, account, previous_email=previous_email)
            tx.audit(
                "user.updated",
                membership,
                {
                    "before": {**member_changes.before, **account_before},
                    "after": {**member_changes.after, **account},
                },
            )
    except Conflict as exc:
        if if_match is not None and not isinstance(exc, memberships.LastOwner):
            raise PreconditionFailed() from None
        raise
    if member_changes.after.get("status") == memberships.INACTIVE:
        memberships.end_sessions(principal.org_id, user_id, reason="membership suspended")
    if user is not None and "email" in account:
        _welcome(user, principal.org_id)
    return Member(membership, user)


def _write_account(tx: Any, user: User, changes: dict[str, Any], *, previous_email: str | None) -> None:
    """The account's side of an administrator's change (an account that is the firm's alone); a
    new email is claimed (unique), the old claim released, and the address is unverified again."""
    actions = [
        getattr(User, name).remove() if value is None else getattr(User, name).set(value)
        for name, value in changes.items()
    ]
    condition = None
    if "email" in changes:
        actions.append(User.email_verified_at.remove())
        tx.save(
            EmailClaim(pk=f"EMAIL#{changes['email']}", sk="EMAIL", user_id=user.id),
            condition=EmailClaim.pk.does_not_exist(),
            refusal=Conflict("This address belongs to another account", details={"field": "email"}),
        )
        if previous_email:
            tx.delete(EmailClaim(pk=f"EMAIL#{previous_email}", sk="EMAIL"))
            condition = User.email == previous_email
    tx.update(user, actions=actions, condition=condition)


def revoke(principal: Principal, user_id: str, reason: str) -> Member:
    """End a member's access at once (seed 001): the membership is `revoked` with the reason, every
    session they have in this firm ends, and the authorizer refuses their tokens on the next call.
    Audited with the reason. An administrator reinstates them with `PUT {"status": "active"}`."""
    principal.require(permissions.USERS_REVOKE)
    member = _read(principal.org_id, user_id)
    membership = member.membership
    if user_id == principal.user_id:
        raise Forbidden("You cannot revoke your own access: ask another administrator")
    _manage(principal, membership)
    if memberships.status_of(membership) != memberships.REVOKED:
        before = memberships.place_of(membership)
        membership.status = memberships.REVOKED
        membership.revoked_at = clock.iso()
        membership.revoked_by = principal.user_id
        membership.revoked_reason = reason
        with transaction(principal) as tx:
            memberships.change(tx, membership, before)
            tx.audit(
                "member.revoked",
                membership,
                {"reason": reason, "before": {"status": before.status}, "after": {"status": "revoked"}},
            )
    memberships.end_sessions(principal.org_id, user_id, reason="access revoked")
    return member


def remove(principal: Principal, user_id: str, if_match: str | None) -> Member:
    """Remove a member from the firm (the account stays: it may belong to other firms, and its
    owner may be invited again); every session they have in this firm ends."""
    principal.require(permissions.USERS_DELETE)
    member = _read(principal.org_id, user_id)
    membership = member.membership
    concurrency.check(if_match, membership.version)
    _manage(principal, membership)
    try:
        with transaction(principal) as tx:
            memberships.leave(tx, membership, member.user)
            tx.audit("member.removed", membership, {"roles": list(membership.roles or ())})
    except Conflict as exc:
        if if_match is not None and not isinstance(exc, memberships.LastOwner):
            raise PreconditionFailed() from None
        raise
    memberships.end_sessions(principal.org_id, user_id, reason="removed from the organization")
    return member
