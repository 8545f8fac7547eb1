"""Sessions: one per login, with a rotating refresh token and reuse detection that never forgets.

A session is a refresh-token family (RFC 6819 §5.2.2.3, OAuth 2.1 §4.3.1) with a generation
counter. The refresh token of generation `g` is `<sessionId>.<g>.<secret>.<mac>`: a fresh random
secret, and an HMAC over the first three parts under a key derived from the app secret. The session
stores only the current generation and the SHA-256 of its secret, so a table leak yields no usable
token. A refresh presents generation `g`, and the session's counter moves from `g` to `g + 1` with
a condition (two concurrent refreshes cannot both win). Presenting a genuine token of a generation
older than the current one means a spent token was copied, however many refreshes ago: the whole
family is revoked. Only a token whose MAC verifies can do that, so naming someone's session id
with an old generation, without the app secret, revokes nothing. The authorizer refuses an access
token whose session is revoked, on the very next call.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from docket import clock
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data.models import TableItem, item_key
from docket.errors import AuthenticationFailed
from docket.ids import new_id
from docket.observability import logger
from docket.security.signing import b64url, derived_key
from docket.security.tokens import ACCESS_TOKEN_TTL_S, TokenClaims, issue_access_token

REFRESH_LIFETIME = timedelta(days=30)
#: the purpose of the key that MACs refresh tokens (derived from the app secret)
_REFRESH_MAC = "refresh-token"
#: generations are decimal counters: a refresh a minute for thirty days stays far below this
_MAX_GENERATION_DIGITS = 12
REUSE_DETECTED = "refresh token reuse detected"


class Session(TableItem, discriminator="session"):
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    #: the refresh-token family's current generation, and the SHA-256 of its token's secret
    refresh_generation = NumberAttribute(default=0)
    refresh_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    #: opened for a member of an MFA-requiring organization who has no MFA yet (enrolment only)
    mfa_setup_required = BooleanAttribute(default=False)
    #: when this session last completed MFA (at sign-in, enrolment or a step-up), for step-up checks
    mfa_verified_at = UnicodeAttribute(null=True)
    #: `admin`: a platform administrator's session, outside every firm (`org_id` is empty)
    platform_role = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshToken:
    """A refresh token whose MAC verified: genuine, issued by Docket for this session and generation."""

    session_id: str
    generation: int
    secret: str

    @property
    def value(self) -> str:
        signed = f"{self.session_id}.{self.generation}.{self.secret}"
        return f"{signed}.{_mac(signed)}"


def _mac(signed: str) -> str:
    return b64url(hmac.new(derived_key(_REFRESH_MAC), signed.encode(), hashlib.sha256).digest())


def _new_refresh(session_id: str, generation: int) -> RefreshToken:
    return RefreshToken(session_id, generation, secrets.token_urlsafe(32))


def read_refresh(value: str) -> RefreshToken | None:
    """The token, if it is well formed and its MAC verifies; None for anything else (forgeries)."""
    if not value.isascii():
        return None
    parts = value.split(".")
    if len(parts) != 4 or not all(parts):
        return None
    session_id, generation, secret, mac = parts
    if not generation.isdigit() or len(generation) > _MAX_GENERATION_DIGITS:
        return None
    if not hmac.compare_digest(_mac(f"{session_id}.{generation}.{secret}").encode(), mac.encode()):
        return None
    return RefreshToken(session_id, int(generation), secret)


def session_key(session_id: str) -> tuple[str, str]:
    """The session item's key (I7): the authorizer reads it with the membership on every request."""
    return f"SESSION#{session_id}", "META"


_key = session_key


def _access(
    session: Session, roles: tuple[str, ...] | None = None, permissions: tuple[str, ...] | None = None
) -> str:
    """An access token of the session; its `cognito:groups` and `scope` say what the member held
    when it was issued (the authorizer resolves the membership again on every request)."""
    return issue_access_token(
        TokenClaims(
            user_id=session.user_id,
            org_id=session.org_id,
            email=session.email or "",
            roles=roles if roles is not None else tuple(str(r) for r in session.roles or ()),
            permissions=(
                permissions if permissions is not None else tuple(str(p) for p in session.permissions or ())
            ),
            session_id=session.session_id,
            platform_role=session.platform_role or "",
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
    mfa_verified: bool = False,
    mfa_verified_at: str | None = None,
    platform_role: str | None = None,
) -> Tokens:
    """Open a session; `mfa_verified` says the sign-in completed a second factor, `mfa_verified_at`
    when an earlier session of the same sign-in did (switching organization carries it over);
    `platform_role` makes it a platform administrator's (with no organization)."""
    session_id = new_id("ses")
    refresh = _new_refresh(session_id, 0)
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
        refresh_generation=refresh.generation,
        refresh_hash=_hash(refresh.secret),
        created_at=clock.iso(now),
        last_used_at=clock.iso(now),
        expires_at=clock.iso(now + REFRESH_LIFETIME),
        device=(device or "")[:200] or None,
        ip=ip,
        mfa_setup_required=mfa_setup_required,
        mfa_verified_at=clock.iso(now) if mfa_verified else mfa_verified_at,
        platform_role=platform_role or None,
        ttl=REFRESH_LIFETIME + timedelta(days=1),
    )
    session.save(condition=Session.pk.does_not_exist())
    return Tokens(_access(session), refresh.value, ACCESS_TOKEN_TTL_S, session_id)


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


def mfa_verified(session_id: str) -> None:
    """The session's user just completed MFA (enrolment, or a step-up with a code)."""
    if not session_id:
        return  # API keys and other issuers' tokens have no session to remember it on
    with contextlib.suppress(UpdateError):  # an unknown or ended session has nothing to remember
        Session(*_key(session_id)).update(
            actions=[Session.mfa_verified_at.set(clock.iso())],
            condition=Session.pk.exists() & Session.revoked_at.does_not_exist(),
        )


def mfa_verified_within(session_id: str, window: timedelta, *, user_id: str) -> bool:
    """Whether the user's live session completed MFA within the last `window`."""
    session = active(session_id) if session_id else None
    if session is None or session.user_id != user_id:
        return False
    verified = clock.parse(session.mfa_verified_at) if session.mfa_verified_at else None
    return verified is not None and verified > clock.now() - window


def session_of(refresh_token: str) -> str:
    """The session a refresh token claims to belong to (unverified: `rotate` checks the secret)."""
    return refresh_token.partition(".")[0]


def rotate(refresh_token: str, *, ip: str | None = None) -> Tokens:
    """A new access token and refresh token (the next generation); a genuine token of an older
    generation — spent before, however long ago, or by a concurrent refresh — revokes the session."""
    refused = AuthenticationFailed("Invalid refresh token")
    presented = read_refresh(refresh_token)
    if presented is None:
        raise refused
    session = _load(presented.session_id)
    if session is None or status_of(session) != "active":
        raise refused
    current = int(session.refresh_generation or 0)
    if presented.generation < current:
        _reused(session, presented)
        raise refused
    if presented.generation > current or not hmac.compare_digest(
        _hash(presented.secret).encode(), session.refresh_hash.encode()
    ):
        raise refused  # MAC'd yet never issued: only someone holding the app secret could make it
    from docket.access import standing

    # the new access token states what the membership grants now; a member no more gets none
    # (a platform administrator's session has no membership: the authorizer gives it the
    # platform permissions on every request)
    if session.platform_role:
        granted_roles = tuple(str(r) for r in session.roles or ())
        granted = tuple(str(p) for p in session.permissions or ())
    else:
        member = standing.of_member(session.org_id, session.user_id)
        if member is None:
            raise refused
        granted_roles, granted = member.roles, member.permissions
    following = _new_refresh(session.session_id, current + 1)
    try:
        session.update(
            actions=[
                Session.refresh_generation.set(following.generation),
                Session.refresh_hash.set(_hash(following.secret)),
                Session.last_used_at.set(clock.iso()),
                Session.ip.set(ip) if ip else Session.ip.remove(),
            ],
            condition=(Session.refresh_generation == current) & Session.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # another refresh spent this generation first (or the session just ended): the same token
        # presented twice is reuse, whichever request got there first
        _reused(session, presented)
        raise refused from exc
    return Tokens(
        _access(session, granted_roles, granted),
        following.value,
        ACCESS_TOKEN_TTL_S,
        session.session_id,
    )


def _reused(session: Session, presented: RefreshToken) -> None:
    if end(session, reason=REUSE_DETECTED):
        logger.warning(
            "Refresh token reuse: session revoked",
            extra={
                "sessionId": session.session_id,
                "userId": session.user_id,
                "generation": presented.generation,
            },
        )


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
