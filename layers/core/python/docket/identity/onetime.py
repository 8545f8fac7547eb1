"""Single-use, expiring tokens (email verification, password reset), stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from pynamodb.attributes import UnicodeAttribute

from docket import clock
from docket.data.models import TableItem
from docket.errors import ValidationFailed

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
LIFETIMES = {VERIFY_EMAIL: timedelta(days=2), RESET_PASSWORD: timedelta(hours=1)}


class OneTimeToken(TableItem, discriminator="onetime"):
    purpose = UnicodeAttribute()
    user_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, user_id: str) -> str:
    token = secrets.token_urlsafe(32)
    lifetime = LIFETIMES[purpose]
    OneTimeToken(
        pk=f"TOKEN#{_digest(token)}",
        sk="TOKEN",
        purpose=purpose,
        user_id=user_id,
        expires_at=clock.iso(clock.now() + lifetime),
        ttl=lifetime + timedelta(days=1),
    ).save()
    return token


def redeem(purpose: str, token: str) -> str:
    """The user id the token was issued to; the token is spent. Invalid, used or expired → 400."""
    invalid = ValidationFailed(
        "Invalid or expired token", details=[{"field": "token", "message": "invalid or expired"}]
    )
    try:
        item = OneTimeToken.get(f"TOKEN#{_digest(token)}", "TOKEN", consistent_read=True)
    except OneTimeToken.DoesNotExist as exc:
        raise invalid from exc
    if item.purpose != purpose or item.used_at is not None or item.expires_at < clock.iso():
        raise invalid
    from pynamodb.exceptions import UpdateError

    try:
        item.update(
            actions=[OneTimeToken.used_at.set(clock.iso())], condition=OneTimeToken.used_at.does_not_exist()
        )
    except UpdateError as exc:  # redeemed concurrently
        raise invalid from exc
    return item.user_id
