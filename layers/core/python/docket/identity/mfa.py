"""Multi-factor authentication: TOTP (RFC 6238) with hashed, single-use backup codes.

The seed is sealed at rest (AES-GCM); a code is accepted within ±1 step of 30 s and never twice
(the last accepted step is stored and advanced with a condition, so two concurrent uses of one
code cannot both pass). Backup codes are stored as SHA-256 hashes and removed when used.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from docket.errors import Conflict, Forbidden, ValidationFailed
from docket.identity import sessions
from docket.identity.accounts import User, audit_event, get_organization, get_user, memberships_of
from docket.security import sealing

ISSUER = "Docket"
BACKUP_CODES = 10
_SEAL = "mfa-seed"
_STEP_S = 30


def _invalid(field: str = "code") -> ValidationFailed:
    return ValidationFailed(
        "Invalid authentication code", details=[{"field": field, "message": "invalid or used"}]
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode()).hexdigest()


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


def _matching_step(seed: str, code: str) -> int | None:
    import pyotp

    totp = pyotp.TOTP(seed)
    now = int(time.time())
    for offset in (0, -1, 1):
        moment = now + offset * _STEP_S
        if secrets.compare_digest(totp.at(moment), code.strip()):
            return moment // _STEP_S
    return None


def confirm(user_id: str, code: str) -> list[str]:
    """Enable MFA with a first code from the new device; returns the backup codes (shown once)."""
    user = get_user(user_id)
    if not user.mfa_pending_seed:
        raise ValidationFailed(
            "Start with POST /mfa/setup/initialize", details=[{"field": "code", "message": "no setup"}]
        )
    seed = sealing.unseal(_SEAL, user.mfa_pending_seed)
    step = _matching_step(seed, code)
    if step is None:
        raise _invalid()
    codes = _new_backup_codes()
    user.update(
        actions=[
            User.mfa_seed.set(user.mfa_pending_seed),
            User.mfa_pending_seed.remove(),
            User.mfa_enabled.set(True),
            User.mfa_last_step.set(step),
            User.mfa_backup_hashes.set({_hash(c) for c in codes}),
        ]
    )
    sessions.lift_mfa_setup(user.id)
    audit_event(user.id, user.default_org_id, "auth.mfa_enabled")
    return codes


def _use_totp(user: User, code: str) -> bool:
    if not user.mfa_seed:
        return False
    step = _matching_step(sealing.unseal(_SEAL, user.mfa_seed), code)
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


def _use_backup(user: User, code: str) -> bool:
    hashed = _hash(code)
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
    if not user.mfa_enabled or not (_use_totp(user, code) or _use_backup(user, code)):
        raise _invalid()


def required_by(user_id: str) -> list[str]:
    """The organizations of the user that require MFA of their members."""
    return [m.org_id for m in memberships_of(user_id) if get_organization(m.org_id).require_mfa]


def disable(user_id: str, code: str) -> None:
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
    audit_event(user.id, user.default_org_id, "auth.mfa_disabled")


def regenerate_backup_codes(user_id: str, code: str) -> list[str]:
    user = get_user(user_id)
    verify(user, code)
    codes = _new_backup_codes()
    user.update(actions=[User.mfa_backup_hashes.set({_hash(c) for c in codes})])
    audit_event(user.id, user.default_org_id, "auth.mfa_backup_codes_regenerated")
    return codes


def remaining_backup_codes(user: User) -> int:
    return len(user.mfa_backup_hashes or ())
