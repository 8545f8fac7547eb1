"""Sessions: one per login, with a rotating refresh token and reuse detection.

A refresh token is `<sessionId>.<secret>`; only the secret's hash is stored. Each refresh issues a
new secret and remembers the hashes of the spent ones: presenting a spent secret means the token
was copied, so the whole session is revoked (RFC 6819 §5.2.2.3). The authorizer refuses an access
token whose session is revoked, on the very next call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pynamodb.attributes import BooleanAttribute, ListAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import UpdateError

from docket import clock
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data.models import TableItem, item_key
from docket.errors import AuthenticationFailed
from docket.ids import new_id
from docket.security.tokens import ACCESS_TOKEN_TTL_S, TokenClaims, issue_access_token

REFRESH_LIFETIME = timedelta(days=30)
#: How many spent refresh secrets a session remembers for reuse detection.
REMEMBERED = 20


class Session(TableItem, discriminator="session"):
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    refresh_hash = UnicodeAttribute()
    spent_hashes = UnicodeSetAttribute(null=True)
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    #: opened for a member of an MFA-requiring organization who has no MFA yet (enrolment only)
    mfa_setup_required = BooleanAttribute(default=False)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(session_id: str) -> tuple[str, str]:
    return f"SESSION#{session_id}", "META"


def _access(session: Session) -> str:
    return issue_access_token(
        TokenClaims(
            user_id=session.user_id,
            org_id=session.org_id,
            email=session.email or "",
            roles=tuple(str(r) for r in session.roles or ()),
            permissions=tuple(str(p) for p in session.permissions or ()),
            session_id=session.session_id,
        )
    )


def start(
    *,
    user_id: str,
    org_id: str,
    email: str = "",
    roles: tuple[str, ...] = (),
    permissions: tuple[str, ...] = (),
    device: str | None = None,
    ip: str | None = None,
    mfa_setup_required: bool = False,
) -> Tokens:
    session_id = new_id("ses")
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    session = Session(
        pk=_key(session_id)[0],
        sk=_key(session_id)[1],
        gsi1pk=f"USER#{user_id}#SESSIONS",
        gsi1sk=f"{clock.iso(now)}#{session_id}",
        session_id=session_id,
        user_id=user_id,
        org_id=org_id,
        email=email or None,
        roles=list(roles),
        permissions=list(permissions),
        refresh_hash=_hash(secret),
        created_at=clock.iso(now),
        last_used_at=clock.iso(now),
        expires_at=clock.iso(now + REFRESH_LIFETIME),
        device=(device or "")[:200] or None,
        ip=ip,
        mfa_setup_required=mfa_setup_required,
        ttl=REFRESH_LIFETIME + timedelta(days=1),
    )
    session.save(condition=Session.pk.does_not_exist())
    return Tokens(_access(session), f"{session_id}.{secret}", ACCESS_TOKEN_TTL_S, session_id)


def _load(session_id: str) -> Session | None:
    try:
        return Session.get(*_key(session_id), consistent_read=True)
    except Session.DoesNotExist:
        return None


def active(session_id: str) -> Session | None:
    """The session, if it is neither revoked nor expired (read consistently: revocation is immediate)."""
    session = _load(session_id)
    if session is None or session.revoked_at is not None or session.expires_at <= clock.iso():
        return None
    return session


SessionStatus = Literal["active", "revoked", "expired"]


def status_of(session: Session) -> SessionStatus:
    """`active`, `revoked` or `expired`."""
    if session.revoked_at is not None:
        return "revoked"
    return "expired" if session.expires_at <= clock.iso() else "active"


def owned(user_id: str, session_id: str) -> Session | None:
    """The session, when it is the user's (anyone else's, or none, is the same None)."""
    session = _load(session_id)
    return session if session is not None and session.user_id == user_id else None


def lift_mfa_setup(user_id: str) -> None:
    """The user enrolled MFA: their enrolment-only sessions become full ones on the next call."""
    for session in sessions_of(user_id):
        if session.mfa_setup_required and session.revoked_at is None:
            session.update(actions=[Session.mfa_setup_required.set(False)])


def session_of(refresh_token: str) -> str:
    """The session a refresh token claims to belong to (unverified: `rotate` checks the secret)."""
    return refresh_token.partition(".")[0]


def rotate(refresh_token: str, *, ip: str | None = None) -> Tokens:
    """A new access token and refresh token; a spent refresh token revokes the session."""
    refused = AuthenticationFailed("Invalid refresh token")
    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret:
        raise refused
    session = _load(session_id)
    if session is None or session.revoked_at is not None or session.expires_at <= clock.iso():
        raise refused
    presented = _hash(secret)
    if not hmac.compare_digest(presented, session.refresh_hash):
        if presented in (session.spent_hashes or set()):
            revoke(session_id, reason="refresh token reuse detected")
        raise refused
    new_secret = secrets.token_urlsafe(32)
    spent = sorted({*(session.spent_hashes or set()), presented})[-REMEMBERED:]
    try:
        session.update(
            actions=[
                Session.refresh_hash.set(_hash(new_secret)),
                Session.spent_hashes.set(set(spent)),
                Session.last_used_at.set(clock.iso()),
                Session.ip.set(ip),
            ],
            # two concurrent refreshes with the same token: only one wins
            condition=(Session.refresh_hash == presented) & Session.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        raise refused from exc
    return Tokens(_access(session), f"{session_id}.{new_secret}", ACCESS_TOKEN_TTL_S, session_id)


def revoke(session_id: str, *, reason: str) -> bool:
    session = _load(session_id)
    return session is not None and end(session, reason=reason)


def end(session: Session, *, reason: str) -> bool:
    """Revoke a loaded session; False when it already was (by this request or a concurrent one)."""
    if session.revoked_at is not None:
        return False
    try:
        session.update(
            actions=[Session.revoked_at.set(clock.iso()), Session.revoked_reason.set(reason)],
            condition=Session.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise  # a revocation that did not happen must not pass for one that did
        return False
    return True


def _user_partition(user_id: str) -> str:
    return f"USER#{user_id}#SESSIONS"


def sessions_of(user_id: str) -> list[Session]:
    return [s for s in Session.gsi1.query(_user_partition(user_id)) if isinstance(s, Session)]


def list_sessions(user_id: str, page: PageRequest, *, include_inactive: bool = False) -> Page[Session]:
    """A user's sessions in every organization, newest first; live ones only unless asked."""
    now = clock.iso()
    live = Session.revoked_at.does_not_exist() & (Session.expires_at > now)

    def query(limit: int, start: dict[str, Any] | None) -> Any:
        return Session.gsi1.query(
            _user_partition(user_id),
            scan_index_forward=False,
            filter_condition=None if include_inactive else live,
            limit=limit,
            last_evaluated_key=start,
        )

    scope = Scope(tenant=f"USER#{user_id}", query={"list": "sessions", "all": include_inactive})
    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, Session.gsi1))


def revoke_all(user_id: str, *, reason: str, keep: str | None = None) -> list[Session]:
    """Revoke every live session of a user (password change, admin revocation), except `keep`;
    returns the sessions this call revoked."""
    return [
        session
        for session in sessions_of(user_id)
        if session.session_id != keep and status_of(session) == "active" and end(session, reason=reason)
    ]
