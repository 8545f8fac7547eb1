"""Organizations, users and memberships: sign-up, login, email verification, password changes.

Access patterns (docs/access-patterns.md):
- organization:          pk = ORG#<org>, sk = META
- user:                  pk = USER#<user>, sk = META
- email uniqueness:      pk = EMAIL#<email>, sk = EMAIL (conditional put in the sign-up transaction)
- membership:            pk = ORG#<org>#MEMBER#<user>, sk = META; gsi1 ORG#<org>#MEMBERS
- a user's organizations: pk = USER#<user>, sk begins_with ORG#
- slug uniqueness:       pk = SLUG#<slug>, sk = SLUG (conditional put; docket.directory.slugs)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException

from docket import clock, mail
from docket.api.pagination import Page, PageRequest
from docket.credits import accounts as platform_accounts
from docket.data.audit import AuditContext
from docket.data.models import TableItem, TenantItem, org_key
from docket.data.transactions import Transaction, transaction
from docket.errors import AuthenticationFailed, Conflict, DocketError, Forbidden, NotFound, ValidationFailed
from docket.identity import onetime, passwords, roles, sessions
from docket.ids import new_id
from docket.observability import logger
from docket.security import signed_claims
from docket.security.principal import Origin, Principal
from docket.settings import get_settings


class Organization(TableItem, discriminator="organization"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    slug = UnicodeAttribute()
    require_mfa = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    # the firm's profile and settings (docket.directory.organizations)
    phone = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    address = MapAttribute[str, Any](null=True)
    logo_url = UnicodeAttribute(null=True)
    tax_id = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    #: every setting but `require_mfa` (read at each login, so kept on its own)
    settings = MapAttribute[str, Any](null=True)
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    #: advanced by the organization's own updates only (docket.data.revisions)
    version = NumberAttribute(null=True)


class User(TableItem, discriminator="user"):
    id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    email_verified_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")
    default_org_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    mfa_enabled = BooleanAttribute(default=False)
    mfa_seed = UnicodeAttribute(null=True)
    mfa_pending_seed = UnicodeAttribute(null=True)
    mfa_last_step = NumberAttribute(null=True)
    mfa_backup_hashes = UnicodeSetAttribute(null=True)
    # the profile (docket.directory.profile)
    phone = UnicodeAttribute(null=True)
    avatar_url = UnicodeAttribute(null=True)
    address = MapAttribute[str, Any](null=True)
    preferences = MapAttribute[str, Any](null=True)
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    #: the organization the last profile change was made from: its trail has the audit entry, and
    #: its members get the `user.updated` event
    updated_in_org = UnicodeAttribute(null=True)
    #: advanced by profile updates only (docket.data.revisions), not by logins or password changes
    version = NumberAttribute(null=True)
    #: the password was set by an administrator (`POST /users`): its user must choose their own
    password_change_required = BooleanAttribute(default=False)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class EmailClaim(TableItem, discriminator="email_claim"):
    user_id = UnicodeAttribute()


class SlugClaim(TableItem, discriminator="slug_claim"):
    """`SLUG#<slug>`: the organization whose slug it is (slugs are unique across the platform)."""

    org_id = UnicodeAttribute()


def slug_claim(slug: str, org_id: str = "") -> SlugClaim:
    return SlugClaim(pk=f"SLUG#{slug}", sk="SLUG", org_id=org_id)


class Membership(TenantItem, discriminator="membership"):
    """A user's membership of a firm (`docket.members.memberships` keeps its lifecycle): its id is
    the member's user id, its version the member's ETag."""

    user_id = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    #: `active`, `inactive` (suspended by an administrator) or `revoked` (access ended, with a reason)
    status = UnicodeAttribute(default="active")
    joined_at = UnicodeAttribute()
    #: the account's name and email as the firm's member list shows, searches and sorts them
    email = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    #: lower-case "first last email": what `GET /users?search=` matches
    search = UnicodeAttribute(null=True)
    invited_by = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        pk, sk = membership_key(self.org_id, self.user_id)
        listed = f"{self.joined_at}#{self.user_id}"
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": members_partition(self.org_id),
            "gsi1sk": listed,
            "gsi2pk": members_partition(self.org_id, status=self.status or "active"),
            "gsi2sk": listed,
        }

    def stamp(self, actor: str | None = None) -> None:
        self.id = self.user_id
        super().stamp(actor)

    def save(self, *args: Any, **kwargs: Any) -> Any:
        # written outside a transaction (tests, tools): keys and timestamps as a transaction sets them
        if not getattr(self, "created_at", None):
            self.stamp()
        return super().save(*args, **kwargs)


class UserOrganization(TableItem, discriminator="user_org"):
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute, default=list)


def membership_key(org_id: str, user_id: str) -> tuple[str, str]:
    """The membership item's key (I4): the authorizer reads it with the session on every request."""
    return f"{org_key(org_id)}#MEMBER#{user_id}", "META"


def member_counts(before: str | None, after: str | None) -> dict[str, int]:
    """The organization's members by status (`docket.data.tallies`) when a membership's status goes
    from `before` to `after` (None: no membership): every write that adds or removes a member or
    changes their status adjusts them in its transaction with this. (Members by role are counted by
    `docket.access.roles.count_holders`, in the same transactions.)"""
    from docket.data import tallies

    return tallies.moved("members", "status", before, after)


def members_partition(org_id: str, *, status: str | None = None) -> str:
    """The index partition of a firm's members (I5), or of its members in one status (M2)."""
    partition = f"{org_key(org_id)}#MEMBERS"
    return partition if status is None else f"{partition}#STATUS#{status}"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return "-".join(part for part in cleaned.split("-") if part)[:48] or "firm"


@dataclass(frozen=True)
class Registered:
    user: User
    organization: Organization


def register(
    *,
    organization_name: str,
    organization_email: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    origin: Origin | None = None,
) -> Registered:
    """A new firm and its owner, and a verification mail to the owner; the firm's audit trail
    begins with its creation (`organization.created`, from the request's `origin`).

    An address that already has an account answers exactly as a new one (the same work: the
    password is hashed either way), so sign-up does not tell who has an account here; the
    address's owner is mailed instead, and nothing is written."""
    email = normalize_email(email)
    passwords.require_strong(password, email=email)
    now = clock.iso()
    org_id, user_id = new_id("org"), new_id("usr")
    organization = Organization(
        pk=org_key(org_id),
        sk="META",
        id=org_id,
        name=organization_name,
        email=normalize_email(organization_email),
        slug=f"{_slug(organization_name)}-{org_id[-6:].lower()}",
        created_at=now,
    )
    user = User(
        pk=f"USER#{user_id}",
        sk="META",
        id=user_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password_hash=passwords.hash_password(password),
        default_org_id=org_id,
        created_at=now,
    )
    registered = Registered(user=user, organization=organization)
    existing = find_user_by_email(email)
    if existing is not None:
        _tell_owner_of_sign_up_attempt(existing)
        return registered
    try:
        _create_firm(organization, user, email, origin or Origin())
    except Conflict:
        claimed = find_user_by_email(email)
        if claimed is None:
            raise
        _tell_owner_of_sign_up_attempt(claimed)  # a concurrent sign-up took the address first
        return registered
    send_verification(user)
    return registered


def _create_firm(organization: Organization, user: User, email: str, origin: Origin) -> None:
    from docket.members import memberships

    org_id, user_id = organization.id, user.id
    actor = Principal(user_id=user_id, org_id=org_id, roles=(roles.OWNER,), origin=origin)
    with transaction(actor) as tx:
        tx.save(organization, condition=Organization.pk.does_not_exist())
        open_account(tx, user)
        tx.save(slug_claim(organization.slug, org_id), condition=SlugClaim.pk.does_not_exist())
        memberships.join(tx, org_id, user, [roles.OWNER], new_firm=True)
        tx.audit(
            "organization.created",
            org_id=org_id,
            resource_type="organization",
            resource_id=org_id,
            changes={"after": {"name": organization.name, "email": organization.email, "ownerId": user_id}},
        )


def open_account(tx: Transaction, user: User, *, taken: DocketError | None = None) -> None:
    """A new account in `tx`: the user, the claim of their address (`taken`: the error when a
    concurrent request claimed it first; a 409 otherwise) and their platform account (plan, credits,
    the administrators' directory), which every user has. Sign-up, an administrator adding a member
    and accepting an invitation all open accounts here."""
    tx.save(user, condition=User.pk.does_not_exist())
    tx.save(
        EmailClaim(pk=f"EMAIL#{normalize_email(user.email)}", sk="EMAIL", user_id=user.id),
        condition=EmailClaim.pk.does_not_exist(),
        refusal=taken,
    )
    platform_accounts.enroll(tx, platform_profile(user))


SIGN_UP_ATTEMPT_SUBJECT = "Someone tried to create a Docket account with your address"


def _tell_owner_of_sign_up_attempt(user: User) -> None:
    """The only place a sign-up for a taken address is told: the address's own mailbox. Nothing
    the attempt sent (names, the firm) goes into it, so it cannot carry someone else's words."""
    base = get_settings().token_issuer
    mail.send_after_commit(
        user.email,
        SIGN_UP_ATTEMPT_SUBJECT,
        f"Hello {user.first_name},\n\nSomeone tried to create an account with this address; it already "
        "has one. If it was you, sign in, or reset your password if you have forgotten it "
        f"({base}/auth/forgot-password).\n\nIf it was not you, you need do nothing: no account was "
        "created and yours is unchanged.\n",
        f"<p>Hello {user.first_name},</p><p>Someone tried to create an account with this address; it "
        "already has one. If it was you, sign in, or reset your password if you have forgotten it.</p>"
        "<p>If it was not you, you need do nothing: no account was created and yours is unchanged.</p>",
    )


def send_verification(user: User) -> None:
    token = onetime.issue(onetime.VERIFY_EMAIL, user.id)
    link = f"{get_settings().token_issuer}/auth/verify-email?token={token}"
    mail.send_after_commit(
        user.email,
        "Verify your Docket email address",
        f"Hello {user.first_name},\n\nConfirm your address: {link}\n\nThe link works once, for 48 hours.\n",
        f'<p>Hello {user.first_name},</p><p><a href="{link}">Confirm your address</a>.</p>'
        "<p>The link works once, for 48 hours.</p>",
    )


def platform_profile(user: User) -> platform_accounts.Profile:
    """What the user's platform account shows of them (`docket.credits.accounts`)."""
    return platform_accounts.Profile(
        user_id=user.id, email=user.email, name=user.name, created_at=user.created_at
    )


def find_user_by_email(email: str) -> User | None:
    try:
        claim = EmailClaim.get(f"EMAIL#{normalize_email(email)}", "EMAIL")
        return User.get(f"USER#{claim.user_id}", "META")
    except (EmailClaim.DoesNotExist, User.DoesNotExist):
        return None


def find_user(user_id: str) -> User | None:
    try:
        return User.get(f"USER#{user_id}", "META")
    except User.DoesNotExist:
        return None


def get_user(user_id: str) -> User:
    try:
        return User.get(f"USER#{user_id}", "META")
    except User.DoesNotExist as exc:
        raise NotFound("User not found") from exc


def get_organization(org_id: str) -> Organization:
    try:
        return Organization.get(org_key(org_id), "META")
    except Organization.DoesNotExist as exc:
        raise NotFound("Organization not found") from exc


def verify_email(token: str) -> User:
    user = get_user(onetime.redeem(onetime.VERIFY_EMAIL, token))
    if user.email_verified_at is None:
        user.update(actions=[User.email_verified_at.set(clock.iso())])
    return user


def resend_verification(email: str) -> None:
    user = find_user_by_email(email)
    if user is not None and user.email_verified_at is None:
        send_verification(user)


def memberships_of(user_id: str) -> list[UserOrganization]:
    found = UserOrganization.query(f"USER#{user_id}", UserOrganization.sk.startswith("ORG#"))
    return [m for m in found if isinstance(m, UserOrganization)]


@dataclass(frozen=True)
class LoggedIn:
    tokens: sessions.Tokens
    user: User
    organization: Organization
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    #: the organization requires MFA and the user has none: the session may only enrol it
    mfa_setup_required: bool = False


class MfaRequired(Exception):
    """The first factor was right; a second one is needed (`POST /auth/verify-mfa`).

    `challenge` is a signed, five-minute statement of who passed the first factor, which
    `complete_mfa` accepts with a code instead of the password again (a federated sign-in has no
    password to send)."""

    def __init__(self, challenge: str) -> None:
        super().__init__("MFA required")
        self.challenge = challenge


MFA_CHALLENGE = "mfa-challenge"
MFA_CHALLENGE_TTL_S = 300


def mfa_required(user: User, organization_id: str | None, method: str) -> MfaRequired:
    claims = {"uid": user.id, "org": organization_id, "via": method}
    return MfaRequired(signed_claims.issue(MFA_CHALLENGE, claims, ttl_s=MFA_CHALLENGE_TTL_S))


def audit_event(
    user_id: str,
    org_id: str | None,
    action: str,
    changes: dict[str, Any] | None = None,
    *,
    context: AuditContext | None = None,
) -> None:
    """Record an auth event about a user in their organization (events with no org are not kept).

    `context` names the actor and the request's origin (`AuditContext.of(principal)`, or
    `AuditContext.user(user_id, origin)` before a session exists); without it, the user acts from
    an unknown origin."""
    from docket.data import audit

    if org_id:
        audit.record(
            org_id=org_id,
            action=action,
            entity_type="user",
            entity_id=user_id,
            changes=changes,
            context=context or AuditContext.user(user_id),
        )


def login(
    email: str,
    password: str,
    *,
    organization_id: str | None = None,
    mfa_code: str | None = None,
    device: str | None = None,
    ip: str | None = None,
    origin: Origin | None = None,
) -> LoggedIn:
    """Password (and, when enabled, a TOTP or backup code) → a new session; failures are
    counted and audited, and too many lock the account (and the address) out for a while.
    `origin` is the request's, for the audit trail (by default: the device and address alone)."""
    from docket.identity import throttle

    origin = origin or Origin(ip=ip, user_agent=device)
    throttle.check(email, ip)
    user = find_user_by_email(email)
    # the same argon2 work whether or not the account exists, and the same answer
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        throttle.failed(email, ip)
        if user is not None:
            audit_event(
                user.id,
                user.default_org_id,
                "auth.login_failed",
                {"ip": ip, "reason": "password"},
                context=AuditContext.user(user.id, origin),
            )
        raise AuthenticationFailed("Invalid email or password")
    if user.status != "active":
        raise AuthenticationFailed("This account is disabled")
    if user.mfa_enabled:
        if not mfa_code:
            raise mfa_required(user, organization_id, "password")
        _second_factor(user, mfa_code, ip, origin)
    throttle.succeeded(email)
    return signed_in(
        user,
        organization_id=organization_id,
        device=device,
        ip=ip,
        origin=origin,
        method="password",
        mfa_verified=bool(user.mfa_enabled),
    )


def _second_factor(user: User, code: str, ip: str | None, origin: Origin) -> None:
    from docket.identity import mfa, throttle

    try:
        mfa.verify(user, code)
    except ValidationFailed:
        throttle.failed(user.email, ip)
        audit_event(
            user.id,
            user.default_org_id,
            "auth.login_failed",
            {"ip": ip, "reason": "mfa"},
            context=AuditContext.user(user.id, origin),
        )
        raise


def complete_mfa(
    challenge: str,
    code: str,
    *,
    device: str | None = None,
    ip: str | None = None,
    origin: Origin | None = None,
) -> LoggedIn:
    """Finish a sign-in that answered `MfaRequired`, with its challenge and a TOTP or backup code."""
    from docket.identity import throttle

    claims = signed_claims.read(MFA_CHALLENGE, challenge)
    user = find_user(str(claims.get("uid"))) if claims else None
    if claims is None or user is None or user.status != "active" or not user.mfa_enabled:
        raise AuthenticationFailed("The MFA challenge is invalid or expired; sign in again")
    origin = origin or Origin(ip=ip, user_agent=device)
    throttle.check(user.email, ip)
    _second_factor(user, code, ip, origin)
    throttle.succeeded(user.email)
    organization_id = claims.get("org")
    return signed_in(
        user,
        organization_id=organization_id if isinstance(organization_id, str) else None,
        device=device,
        ip=ip,
        origin=origin,
        method=str(claims.get("via") or "password"),
        mfa_verified=True,
    )


def signed_in(
    user: User,
    *,
    organization_id: str | None = None,
    device: str | None = None,
    ip: str | None = None,
    origin: Origin | None = None,
    method: str,
    mfa_verified: bool = False,
) -> LoggedIn:
    """Every factor passed (`mfa_verified`: a second one too): open the session, tell the user when
    the device is new, audit the login."""
    from docket.identity import devices

    found = open_session(
        user, organization_id=organization_id, device=device, ip=ip, mfa_verified=mfa_verified
    )
    new_device = devices.check_in(user.id, user.email, user.first_name, user_agent=device, ip=ip)
    record_activity(user)
    audit_event(
        user.id,
        found.organization.id,
        "auth.login",
        {
            "ip": ip,
            "device": device,
            "sessionId": found.tokens.session_id,
            "method": method,
            "newDevice": new_device,
        },
        context=AuditContext.user(user.id, origin or Origin(ip=ip, user_agent=device)),
    )
    return found


def record_activity(user: User) -> None:
    """The sign-in counts the user as active (their platform account's `lastActive` and the
    statistics); best effort, like the device notice: a sign-in never fails for a statistic."""
    try:
        platform_accounts.signed_in(platform_profile(user))
    except (PynamoDBException, BotoCoreError, ClientError):
        logger.exception("sign-in activity not recorded", extra={"userId": user.id})


def open_session(
    user: User,
    *,
    organization_id: str | None = None,
    device: str | None = None,
    ip: str | None = None,
    mfa_verified: bool = False,
    mfa_verified_at: str | None = None,
) -> LoggedIn:
    """A new session in one of the user's organizations (the default one unless named), with the
    membership's roles and permissions; `mfa_verified_at` carries an earlier verification over."""
    from docket.access import standing

    memberships = {m.org_id: m for m in memberships_of(user.id)}
    wanted = organization_id or user.default_org_id or next(iter(memberships), None)
    # what the membership grants now (custom roles included); a revoked one opens no session
    current = standing.of_member(wanted, user.id) if wanted in memberships else None
    if wanted is None or current is None:
        raise Forbidden("You are not a member of this organization")
    granted, permissions = current.roles, current.permissions
    organization = get_organization(wanted)
    setup_required = bool(organization.require_mfa) and not user.mfa_enabled
    tokens = sessions.start(
        user_id=user.id,
        org_id=wanted,
        email=user.email,
        roles=granted,
        permissions=permissions,
        device=device,
        ip=ip,
        mfa_setup_required=setup_required,
        mfa_verified=mfa_verified,
        mfa_verified_at=mfa_verified_at,
    )
    return LoggedIn(tokens, user, organization, granted, permissions, setup_required)


def set_require_mfa(principal: Principal, required: bool) -> Organization:
    """Require (or stop requiring) MFA of the organization's members at their next login: the
    organization's settings service (`docket.directory.organizations.update_settings`), which holds
    the rules (an administrator who has MFA themselves; not by API key)."""
    from docket.directory import organizations
    from docket.directory.models import SettingsChanges

    return organizations.update_settings(principal, SettingsChanges(require_mfa=required))


def forgot_password(email: str) -> None:
    """Mail a reset link when the account exists; the caller learns nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.status != "active":
        return
    token = onetime.issue(onetime.RESET_PASSWORD, user.id)
    mail.send(
        user.email,
        "Reset your Docket password",
        f"Use this code to choose a new password within an hour: {token}\n\nIf you did not ask, ignore this mail.\n",
    )


def reset_password(token: str, new_password: str, *, origin: Origin | None = None) -> None:
    """A new password with a reset code, or with the welcome link of a member an administrator added
    (`POST /users`). Either came to the account's address, which is thereby verified; a password
    the administrator set need no longer be changed."""
    spent = onetime.spend((onetime.RESET_PASSWORD, onetime.SET_PASSWORD), token)
    user = get_user(spent.user_id)
    passwords.require_strong(new_password, email=user.email, field="newPassword")
    actions: list[Any] = [
        User.password_hash.set(passwords.hash_password(new_password)),
        User.password_change_required.set(False),
    ]
    if user.email_verified_at is None:
        actions.append(User.email_verified_at.set(clock.iso()))
    user.update(actions=actions)
    sessions.revoke_all(user.id, reason="password reset")
    action = "auth.password_set" if spent.purpose == onetime.SET_PASSWORD else "auth.password_reset"
    audit_event(user.id, user.default_org_id, action, context=AuditContext.user(user.id, origin or Origin()))


def change_password(principal: Principal, current_password: str, new_password: str) -> None:
    """The caller's own password (`POST /auth/change-password`, `PUT /users/me/change-password`):
    the current one is required, the new one must be strong, every other session ends; a temporary
    password is thereby replaced."""
    if principal.auth_method == "api_key":
        raise Forbidden("API keys have no password to change")
    user = get_user(principal.user_id)
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            "Current password is wrong", details=[{"field": "currentPassword", "message": "does not match"}]
        )
    if current_password == new_password:
        raise ValidationFailed(
            "Choose a new password",
            details=[{"field": "newPassword", "message": "must differ from the current one"}],
        )
    passwords.require_strong(new_password, email=user.email, field="newPassword")
    # a temporary password an administrator set is replaced by the user's own: the account is
    # theirs now, its email no longer the firm's to correct
    user.update(
        actions=[
            User.password_hash.set(passwords.hash_password(new_password)),
            User.password_change_required.set(False),
        ]
    )
    sessions.revoke_all(user.id, reason="password changed", keep=principal.session_id or None)
    audit_event(user.id, principal.org_id, "auth.password_changed", context=AuditContext.of(principal))


def logout(principal: Principal) -> None:
    if principal.session_id:
        sessions.revoke(principal.session_id, reason="logout")
    if principal.auth_method == "jwt":
        audit_event(
            principal.user_id,
            principal.org_id,
            "auth.logout",
            {"sessionId": principal.session_id},
            context=AuditContext.of(principal),
        )


# --- the caller's own sessions -------------------------------------------------------------


def _own_session(principal: Principal) -> str:
    """The caller's session id; API keys and tokens of trusted issuers have none to manage."""
    if not principal.session_id:
        raise Forbidden(
            "Sessions are managed from a signed-in session; API keys and tokens of other issuers have none"
        )
    return principal.session_id


def _session_revoked(principal: Principal, session: sessions.Session, *, current: bool) -> None:
    # in the session's organization: whose trail it is (a user's sessions span organizations)
    audit_event(
        principal.user_id,
        session.org_id,
        "auth.session_revoked",
        {"sessionId": session.session_id, "reason": session.revoked_reason, "current": current},
        context=AuditContext.of(principal),
    )


def list_sessions(
    principal: Principal, page: PageRequest, *, include_inactive: bool = False
) -> Page[sessions.Session]:
    """The caller's sessions in every organization, newest first (live ones unless asked)."""
    _own_session(principal)
    return sessions.list_sessions(principal.user_id, page, include_inactive=include_inactive)


def revoke_session(principal: Principal, session_id: str) -> sessions.Session:
    """End one of the caller's sessions (their current one is a logout); anyone else's is a 404."""
    current = _own_session(principal)
    session = sessions.owned(principal.user_id, session_id)
    if session is None:
        raise NotFound("Session not found")
    is_current = session.session_id == current
    if sessions.end(session, reason="logout" if is_current else "revoked by the user"):
        _session_revoked(principal, session, current=is_current)
    return session


def revoke_other_sessions(principal: Principal) -> int:
    """End every live session of the caller but the current one; returns how many ended."""
    current = _own_session(principal)
    ended = sessions.revoke_all(principal.user_id, reason="revoked by the user", keep=current)
    for session in ended:
        _session_revoked(principal, session, current=False)
    return len(ended)
