"""Single-use, expiring tokens (email verification, password reset, a new member's first password),
stored only as hashes. A token may be bound to the address it was mailed to: it stops working when
the account's address changes."""

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
#: the welcome mail of a member an administrator added (`POST /users`): choose a password
SET_PASSWORD = "set_password"
LIFETIMES = {
    VERIFY_EMAIL: timedelta(days=2),
    RESET_PASSWORD: timedelta(hours=1),
    SET_PASSWORD: timedelta(days=7),
}


class OneTimeToken(TableItem, discriminator="onetime"):
    purpose = UnicodeAttribute()
    user_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    #: the address the token was mailed to, when it must still be the account's
    email = UnicodeAttribute(null=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, user_id: str, *, email: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    lifetime = LIFETIMES[purpose]
    OneTimeToken(
        pk=f"TOKEN#{_digest(token)}",
        sk="TOKEN",
        purpose=purpose,
        user_id=user_id,
        expires_at=clock.iso(clock.now() + lifetime),
        email=email,
        ttl=lifetime + timedelta(days=1),
    ).save()
    return token


def redeem(purpose: str | tuple[str, ...], token: str) -> str:
    """The user id the token was issued to; the token is spent. Invalid, used or expired, issued
    for another purpose (one of `purpose`), or mailed to an address the account no longer has → 400."""
    return spend(purpose, token).user_id


def spend(purpose: str | tuple[str, ...], token: str) -> OneTimeToken:
    """`redeem`, answering the token's item (its purpose, user and address)."""
    purposes = (purpose,) if isinstance(purpose, str) else purpose
    invalid = ValidationFailed(
        "Invalid or expired token", details=[{"field": "token", "message": "invalid or expired"}]
    )
    try:
        item = OneTimeToken.get(f"TOKEN#{_digest(token)}", "TOKEN", consistent_read=True)
    except OneTimeToken.DoesNotExist as exc:
        raise invalid from exc
    if item.purpose not in purposes or item.used_at is not None or item.expires_at < clock.iso():
        raise invalid
    if item.email is not None:
        from docket.identity.accounts import find_user

        owner = find_user(item.user_id)
        if owner is None or owner.email != item.email:
            raise invalid
    from pynamodb.exceptions import UpdateError

    try:
        item.update(
            actions=[OneTimeToken.used_at.set(clock.iso())], condition=OneTimeToken.used_at.does_not_exist()
        )
    except UpdateError as exc:  # redeemed concurrently
        raise invalid from exc
    return item
