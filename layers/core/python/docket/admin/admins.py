"""Platform administrators: created by a command, never by the API; signing in at their own door.

A platform administrator is a user with no membership in any firm whose platform account has the
plan role `admin` (docket.credits.plans). `create` (run by `make admin EMAIL=…`, see
infra/tools/admin.py) writes the user, their email claim, their account and the admin log entry in
one transaction, and answers a one-time set-password token (an hour, single use, stored hashed:
`POST /auth/reset-password`); for an existing administrator it issues a new token (recovery). An
address that already belongs to a firm's user is refused: a firm account is never promoted.

`POST /admin/auth/login` opens a platform session (`sessions.start(platform_role="admin")`, no
organization): its access token carries `custom:platform_role` and no `custom:org_id`, and the
authorizer, which reads the session on every call, gives it the platform permissions and nothing
else. The firm login refuses such a user (they are a member of no organization).
"""

from __future__ import annotations

from dataclasses import dataclass

from docket import clock
from docket.admin import log
from docket.admin.log import AdminAction, Person
from docket.credits import accounts as platform_accounts
from docket.credits.plans import Plan
from docket.data.transactions import transaction
from docket.errors import AuthenticationFailed, Conflict, ValidationFailed
from docket.identity import accounts, mfa, onetime, passwords, sessions, throttle
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal
from docket.security.tokens import PLATFORM_ADMIN, PLATFORM_ADMIN_ROLE


@dataclass(frozen=True)
class Created:
    user: accounts.User
    #: the one-time set-password token (`POST /auth/reset-password {token, newPassword}`)
    password_token: str
    #: False: the administrator existed, and got a new token
    created: bool


def is_administrator(user_id: str) -> bool:
    account = platform_accounts.find(user_id)
    return account is not None and account.plan == Plan.ADMIN


def _names(name: str, email: str) -> tuple[str, str]:
    first, _, last = (name.strip() or email.split("@", 1)[0]).partition(" ")
    return first, last.strip()


def create(email: str, *, name: str = "", operator: str) -> Created:
    """A platform administrator for `email` (or a new set-password token for an existing one);
    `operator` says who ran the command, for the admin log."""
    address = accounts.normalize_email(email)
    if "@" not in address or len(address) > 254:
        raise ValidationFailed(
            "Invalid email", details=[{"field": "email", "message": "not an email address"}]
        )
    actor = Person(id="command-line", name=operator)
    existing = accounts.find_user_by_email(address)
    if existing is not None:
        if not is_administrator(existing.id):
            raise Conflict(
                f"{address} belongs to a firm's user: a platform administrator needs an address of their own"
            )
        token = onetime.issue(onetime.RESET_PASSWORD, existing.id)
        log.record(
            actor,
            AdminAction.RENEW_ADMIN_PASSWORD_LINK,
            target=Person(existing.id, existing.email),
            details={},
        )
        return Created(existing, token, created=False)
    first, last = _names(name, address)
    now = clock.iso()
    user_id = new_id("usr")
    user = accounts.User(
        pk=f"USER#{user_id}",
        sk="META",
        id=user_id,
        email=address,
        first_name=first,
        last_name=last,
        password_hash=None,
        # the operator vouches for the address: the set-password token goes to them, not by mail
        email_verified_at=now,
        default_org_id=None,
        created_at=now,
    )
    with transaction(conflict_message=f"{address} was taken meanwhile") as tx:
        tx.save(user, condition=accounts.User.pk.does_not_exist())
        tx.save(
            accounts.EmailClaim(pk=f"EMAIL#{address}", sk="EMAIL", user_id=user.id),
            condition=accounts.EmailClaim.pk.does_not_exist(),
        )
        platform_accounts.enroll(tx, accounts.platform_profile(user), Plan.ADMIN)
        log.add(
            tx,
            actor,
            AdminAction.CREATE_ADMIN,
            target=Person(user.id, user.email, user.name),
            details={"email": address},
        )
    return Created(user, onetime.issue(onetime.RESET_PASSWORD, user.id), created=True)


@dataclass(frozen=True)
class SignedIn:
    tokens: sessions.Tokens
    user: accounts.User


def sign_in(
    email: str,
    password: str,
    *,
    mfa_code: str | None = None,
    device: str | None = None,
    ip: str | None = None,
) -> SignedIn:
    """A platform session for an administrator's email and password (and their second factor,
    when they have one). Anyone else — wrong password, unknown address, a firm's user — gets the
    same 401, and counts towards the address's lockout like a failed firm login."""
    throttle.check(email, ip)
    user = accounts.find_user_by_email(email)
    verified = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not verified or not is_administrator(user.id):
        throttle.failed(email, ip)
        raise AuthenticationFailed("Invalid email or password")
    if user.status != "active":
        raise AuthenticationFailed("This account is disabled")
    if user.mfa_enabled:
        if not mfa_code:
            raise AuthenticationFailed(
                "This account has MFA: send mfaCode", details=[{"field": "mfaCode", "message": "required"}]
            )
        try:
            mfa.verify(user, mfa_code)
        except ValidationFailed:
            throttle.failed(user.email, ip)
            raise
    throttle.succeeded(email)
    tokens = sessions.start(
        user_id=user.id,
        org_id="",
        email=user.email,
        roles=(PLATFORM_ADMIN_ROLE,),
        permissions=tuple(str(p) for p in permissions.PLATFORM_PERMISSIONS),
        device=device,
        ip=ip,
        mfa_verified=bool(user.mfa_enabled),
        platform_role=PLATFORM_ADMIN,
    )
    log.record(
        Person(user.id, user.email, user.name),
        AdminAction.ADMIN_SIGN_IN,
        details={"sessionId": tokens.session_id, "ip": ip, "device": device},
    )
    accounts.record_activity(user)
    return SignedIn(tokens, user)


def sign_out(principal: Principal) -> None:
    """End the administrator's session: its tokens fail on the next call."""
    if principal.session_id and sessions.revoke(principal.session_id, reason="logout"):
        log.record(
            Person(principal.user_id, principal.email),
            AdminAction.ADMIN_SIGN_OUT,
            details={"sessionId": principal.session_id},
        )


def person(principal: Principal) -> Person:
    """The administrator acting, as the admin log names them."""
    user = accounts.find_user(principal.user_id)
    return Person(principal.user_id, user.email if user else principal.email, user.name if user else "")
