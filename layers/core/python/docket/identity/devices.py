"""Devices a user has signed in from, and the mail that tells them about a new one.

A device is the sign-in's User-Agent, normalized: lower case, whitespace collapsed, and version
numbers dropped (`Chrome/120.0.0.0` and `Chrome/121.0.1.2` are the same browser, so an update is
not a new device). Every sign-in (`accounts.signed_in`: password, MFA completion, single sign-on)
checks in here. The first device of an account is remembered silently; a later one that was never
seen before is remembered and mailed about, with the IP and time and what to do if it was not the
user. The notice is best effort: a failure to remember or to mail is logged, never a failed login.

Access pattern (docs/access-patterns.md): pk = USER#<user>, sk = DEVICE#<sha256(normalized)>;
is there any device: pk = USER#<user>, sk begins_with DEVICE# (limit 2).
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException

from docket import clock, mail
from docket.data.models import TableItem
from docket.observability import logger

UNKNOWN = "unknown"
MAX_LENGTH = 200
#: a version number: digits (with dots, underscores, letters) right after `/`, a space, `:` or `(`
_VERSION = re.compile(r"(?<=[/ :(])\d[\w.]*")

_BROWSERS: tuple[tuple[str, str], ...] = (
    ("edg", "Edge"),
    ("opr/", "Opera"),
    ("firefox", "Firefox"),
    ("fxios", "Firefox"),
    ("crios", "Chrome"),
    ("chrome", "Chrome"),
    ("safari", "Safari"),
    ("curl", "curl"),
    ("httpx", "a Python program"),
    ("python", "a Python program"),
    ("okhttp", "an Android app"),
    ("postman", "Postman"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iphone", "iOS"),
    ("ipad", "iPadOS"),
    ("android", "Android"),
    ("windows", "Windows"),
    ("cros", "ChromeOS"),
    ("mac os x", "macOS"),
    ("macintosh", "macOS"),
    ("linux", "Linux"),
)


class KnownDevice(TableItem, discriminator="known_device"):
    user_id = UnicodeAttribute()
    #: the normalized User-Agent
    device = UnicodeAttribute()
    first_seen_at = UnicodeAttribute()
    first_ip = UnicodeAttribute(null=True)


def normalize(user_agent: str | None) -> str:
    cleaned = " ".join(_VERSION.sub("", (user_agent or "").lower()).split())
    return cleaned[:MAX_LENGTH] or UNKNOWN


def describe(user_agent: str | None) -> str:
    """A reader's name for the device: `Chrome on macOS`, `curl`, `an unrecognized device`."""
    text = (user_agent or "").lower()
    browser = next((name for marker, name in _BROWSERS if marker in text), None)
    system = next((name for marker, name in _SYSTEMS if marker in text), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "an unrecognized device"


def _key(user_id: str, device: str) -> tuple[str, str]:
    return f"USER#{user_id}", f"DEVICE#{hashlib.sha256(device.encode()).hexdigest()}"


def remember(user_id: str, user_agent: str | None, ip: str | None) -> bool:
    """Remember the device; True when it is new to an account that had signed in before."""
    device = normalize(user_agent)
    pk, sk = _key(user_id, device)
    item = KnownDevice(pk=pk, sk=sk, user_id=user_id, device=device, first_seen_at=clock.iso(), first_ip=ip)
    try:
        item.save(condition=KnownDevice.pk.does_not_exist())
    except PutError:
        return False  # known (or remembered by a concurrent sign-in from it)
    others = KnownDevice.query(pk, KnownDevice.sk.startswith("DEVICE#"), limit=2)
    return any(other.sk != sk for other in others)


def check_in(user_id: str, email: str, first_name: str, *, user_agent: str | None, ip: str | None) -> bool:
    """A sign-in happened: mail the user when it came from a new device. Never raises."""
    try:
        new = remember(user_id, user_agent, ip)
    except PynamoDBException:
        logger.exception("could not remember the sign-in device", extra={"user_id": user_id})
        return False
    if new:
        try:
            _notify(email, first_name, user_agent=user_agent, ip=ip, when=clock.now())
        except (BotoCoreError, ClientError):
            logger.exception("could not send the new-device notice", extra={"user_id": user_id})
    return new


def _notify(email: str, first_name: str, *, user_agent: str | None, ip: str | None, when: datetime) -> None:
    device = describe(user_agent)
    moment = when.strftime("%Y-%m-%d %H:%M UTC")
    address = ip or "an unknown address"
    agent = (user_agent or "none")[:MAX_LENGTH]
    advice = (
        "If this wasn't you, change your password now (PUT /users/me/change-password) and sign out "
        "everywhere else (POST /auth/sessions/revoke-others); GET /auth/sessions lists your sessions."
    )
    text = (
        f"Hello {first_name},\n\nYour Docket account was just signed in to from a device it has not "
        f"seen before.\n\nDevice: {device}\nUser agent: {agent}\nIP address: {address}\nTime: {moment}\n\n"
        f"If this was you, there is nothing to do.\n{advice}\n"
    )
    rows = "".join(
        f"<li>{label}: {html.escape(value)}</li>"
        for label, value in (
            ("Device", device),
            ("User agent", agent),
            ("IP address", address),
            ("Time", moment),
        )
    )
    body = (
        f"<p>Hello {html.escape(first_name)},</p><p>Your Docket account was just signed in to from a "
        f"device it has not seen before.</p><ul>{rows}</ul><p>If this was you, there is nothing to do."
        f"</p><p>{html.escape(advice)}</p>"
    )
    mail.send(email, "New sign-in to your Docket account", text, body)
