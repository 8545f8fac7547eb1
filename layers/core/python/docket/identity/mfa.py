"""Multi-factor authentication: TOTP (RFC 6238) with hashed, single-use backup codes.

The seed is sealed at rest (AES-GCM); a code is accepted within ±1 step of 30 s and never twice
(the last accepted step is stored and advanced with a condition, so two concurrent uses of one
code cannot both pass). Backup codes are stored as SHA-256 hashes and removed when used.

A code is read only in its own shape — six ASCII digits for TOTP, twelve hex digits (a dash allowed)
for a backup code — and compared as bytes; anything else is a 400 saying what a code looks like.
Every time comes from `docket.clock`, so tests can freeze it.

Step-up: a session remembers when it last completed MFA (sign-in with a second factor, enrolment,
or a code sent to a step-up route). Within `STEP_UP_WINDOW` of that, regenerating backup codes
needs no code; after it, the route answers 403 `MFA_STEP_UP_REQUIRED` until a code comes along.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from docket import clock
from docket.data.audit import AuditContext
from docket.errors import Conflict, Forbidden, MfaStepUpRequired, ValidationFailed
from docket.identity import sessions
from docket.identity.accounts import User, audit_event, get_organization, get_user, memberships_of
from docket.security import sealing
from docket.security.principal import Principal

ISSUER = "Docket"
BACKUP_CODES = 10
_SEAL = "mfa-seed"
_STEP_S = 30
TOTP_DIGITS = 6
_BACKUP_HEX_DIGITS = 12
_TOTP_SHAPE = "the 6 digits your authenticator app shows"
_BACKUP_SHAPE = "a backup code (xxxxxx-xxxxxx)"
#: how long after completing MFA a session may take step-up actions without another code
STEP_UP_WINDOW = timedelta(minutes=5)


def _invalid(field: str = "code") -> ValidationFailed:
    return ValidationFailed(
        "Invalid authentication code", details=[{"field": field, "message": "invalid or used"}]
    )


def _malformed(*shapes: str) -> ValidationFailed:
    expected = " or ".join(shapes)
    return ValidationFailed(
        f"An authentication code is {expected}", details=[{"field": "code", "message": f"must be {expected}"}]
    )


def _as_totp(code: str) -> str | None:
    """The code as six ASCII digits (spaces tolerated), or None if it cannot be a TOTP code."""
    digits = code.strip().replace(" ", "")
    return digits if len(digits) == TOTP_DIGITS and digits.isascii() and digits.isdigit() else None


def _as_backup(code: str) -> str | None:
    """The code as twelve lower-case hex digits (the dash dropped), or None if it cannot be one."""
    hexits = code.strip().replace("-", "").lower()
    if len(hexits) == _BACKUP_HEX_DIGITS and all(c in string.hexdigits for c in hexits):
        return hexits
    return None


def _hash(backup: str) -> str:
    return hashlib.sha256(backup.encode()).hexdigest()


def _new_backup_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(BACKUP_CODES)]


@dataclass(frozen=True)
class Enrollment:
    secret: str
    otpauth_url: str
    qr_code: str


def initialize(user_id: str) -> Enrollment:
    import pyotp
    import segno

    user = get_user(user_id)
    if user.mfa_enabled:
        raise Conflict("MFA is already enabled; disable it first to enrol a new device")
    secret = pyotp.random_base32()
    user.update(actions=[User.mfa_pending_seed.set(sealing.seal(_SEAL, secret))])
    url = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrollment(
        secret=secret, otpauth_url=url, qr_code=segno.make(url, error="m").svg_data_uri(scale=4)
    )


def _matching_step(seed: str, digits: str) -> int | None:
    import pyotp

    totp = pyotp.TOTP(seed)
    now = int(clock.now().timestamp())
    for offset in (0, -1, 1):
        moment = now + offset * _STEP_S
        if secrets.compare_digest(totp.at(moment).encode(), digits.encode()):
            return moment // _STEP_S
    return None


def confirm(
    user_id: str, code: str, *, session_id: str = "", context: AuditContext | None = None
) -> list[str]:
    """Enable MFA with a first code from the new device; returns the backup codes (shown once).
    The session that enrolled (`session_id`) has just completed MFA; `context` is its audit
    context (`AuditContext.of(principal)`)."""
    user = get_user(user_id)
    if not user.mfa_pending_seed:
        raise ValidationFailed(
            "Start with POST /mfa/setup/initialize", details=[{"field": "code", "message": "no setup"}]
        )
    digits = _as_totp(code)
    if digits is None:
        raise _malformed(_TOTP_SHAPE)
    step = _matching_step(sealing.unseal(_SEAL, user.mfa_pending_seed), digits)
    if step is None:
        raise _invalid()
    codes = _new_backup_codes()
    user.update(
        actions=[
            User.mfa_seed.set(user.mfa_pending_seed),
            User.mfa_pending_seed.remove(),
            User.mfa_enabled.set(True),
            User.mfa_last_step.set(step),
            User.mfa_backup_hashes.set(_hashes(codes)),
        ]
    )
    sessions.lift_mfa_setup(user.id)
    sessions.mfa_verified(session_id)
    audit_event(user.id, user.default_org_id, "auth.mfa_enabled", context=context)
    return codes


def _hashes(codes: list[str]) -> set[str]:
    return {_hash(code.replace("-", "")) for code in codes}  # generated: already lower-case hex


def _use_totp(user: User, digits: str) -> bool:
    if not user.mfa_seed:
        return False
    step = _matching_step(sealing.unseal(_SEAL, user.mfa_seed), digits)
    if step is None or step <= int(user.mfa_last_step or 0):
        return False
    try:
        user.update(
            actions=[User.mfa_last_step.set(step)],
            condition=User.mfa_last_step.does_not_exist() | (User.mfa_last_step < step),
        )
    except UpdateError:
        return False
    return True


def _use_backup(user: User, backup: str) -> bool:
    hashed = _hash(backup)
    if hashed not in (user.mfa_backup_hashes or set()):
        return False
    try:
        user.update(
            actions=[User.mfa_backup_hashes.delete({hashed})],
            condition=User.mfa_backup_hashes.contains(hashed),
        )
    except UpdateError:
        return False
    return True


def verify(user: User, code: str) -> None:
    """Accept a TOTP code or a backup code, once; anything else is a 400."""
    digits, backup = _as_totp(code), _as_backup(code)
    if digits is None and backup is None:
        raise _malformed(_TOTP_SHAPE, _BACKUP_SHAPE)
    if not user.mfa_enabled:
        raise _invalid()
    if digits is not None and _use_totp(user, digits):
        return
    if backup is not None and _use_backup(user, backup):
        return
    raise _invalid()


def required_by(user_id: str) -> list[str]:
    """The organizations of the user that require MFA of their members."""
    return [m.org_id for m in memberships_of(user_id) if get_organization(m.org_id).require_mfa]


def disable(user_id: str, code: str, *, context: AuditContext | None = None) -> None:
    user = get_user(user_id)
    if required_by(user_id):
        raise Forbidden("Your organization requires MFA; it cannot be disabled")
    verify(user, code)
    user.update(
        actions=[
            User.mfa_enabled.set(False),
            User.mfa_seed.remove(),
            User.mfa_backup_hashes.remove(),
            User.mfa_last_step.remove(),
        ]
    )
    audit_event(user.id, user.default_org_id, "auth.mfa_disabled", context=context)


def step_up(principal: Principal, code: str | None) -> User:
    """The caller's user, once they proved a second factor: within `STEP_UP_WINDOW` of their session
    completing MFA, or now with `code` (which then counts as completing it)."""
    user = get_user(principal.user_id)
    if not user.mfa_enabled:
        raise Conflict("MFA is not enabled; set it up first (POST /mfa/setup/initialize)")
    if code is None:
        if not sessions.mfa_verified_within(principal.session_id, STEP_UP_WINDOW, user_id=user.id):
            minutes = int(STEP_UP_WINDOW.total_seconds() // 60)
            raise MfaStepUpRequired(
                details=[
                    {
                        "field": "code",
                        "message": f"required: MFA was not completed in the last {minutes} minutes",
                    }
                ]
            )
        return user
    verify(user, code)
    sessions.mfa_verified(principal.session_id)
    return user


def regenerate_backup_codes(principal: Principal, code: str | None = None) -> list[str]:
    """New backup codes (the old ones stop working), behind a step-up."""
    user = step_up(principal, code)
    codes = _new_backup_codes()
    user.update(actions=[User.mfa_backup_hashes.set(_hashes(codes))])
    audit_event(
        user.id,
        principal.org_id or user.default_org_id,
        "auth.mfa_backup_codes_regenerated",
        context=AuditContext.of(principal),
    )
    return codes


def remaining_backup_codes(user: User) -> int:
    return len(user.mfa_backup_hashes or ())
