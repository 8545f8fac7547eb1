"""The caller's own profile: one resource behind `GET/PUT /users/me` (seed 001), `/users/profile`
(seed 000) and `/user/profile` (seed 002), each answering in its seed's shape.

The profile is the user's account item (`USER#<user>` / `META`: one `GetItem` to read it), so it is
the same in every organization the user belongs to; `role` is the user's role in the organization
they act in. Names: `name` is "first last"; a `name` sent in an update sets `firstName` to its first
word and `lastName` to the rest (`"Mary Ann Smith"` → `Mary` / `Ann Smith`; a single word leaves
the last name empty), and `firstName`/`lastName` may be sent instead (not both ways at once).
Nested objects merge: an update sends the fields it changes (`preferences: {timezone}` keeps the
language and the notification choices), `null` clears a field (or the whole `address`).

The email is not changed here: a new address has to be verified first, so an update that sends a
different one is refused (sending the current one back is fine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docket.api import concurrency
from docket.data import revisions
from docket.data.changes import diff_values
from docket.data.transactions import AuditTarget
from docket.directory.models import (
    AddressOut,
    NotificationsOut,
    PreferencesOut,
    ProfileOut,
    ProfileUpdate,
)
from docket.errors import Forbidden, ValidationFailed
from docket.identity import accounts
from docket.identity.accounts import User
from docket.security.principal import Principal

ADDRESS_FIELDS = ("street", "city", "state", "zip_code", "country")
NOTIFICATION_CHANNELS = ("email", "sms", "push")
#: what a profile says until its user chooses
DEFAULT_LANGUAGE = "en"
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_NOTIFICATIONS = {"email": True, "sms": False, "push": True}


@dataclass(frozen=True)
class Profile:
    user: User
    #: the user's roles in the organization the request acts in
    roles: tuple[str, ...]


def _person(principal: Principal) -> None:
    if principal.auth_method == "api_key":
        raise Forbidden("API keys act for an integration, not a person: they have no profile")


def get(principal: Principal) -> Profile:
    _person(principal)
    return Profile(accounts.get_user(principal.user_id), principal.roles)


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def _flat(user: User) -> dict[str, Any]:
    """The profile as path → value (defaults filled in): what an update is diffed against."""
    address = _plain(user.address)
    preferences = _plain(user.preferences)
    notifications = {**DEFAULT_NOTIFICATIONS, **_plain(preferences.get("notifications"))}
    flat: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "avatar_url": user.avatar_url,
        "preferences.language": preferences.get("language") or DEFAULT_LANGUAGE,
        "preferences.timezone": preferences.get("timezone") or DEFAULT_TIME_ZONE,
    }
    flat.update({f"address.{name}": address.get(name) for name in ADDRESS_FIELDS})
    flat.update({f"preferences.notifications.{c}": bool(notifications[c]) for c in NOTIFICATION_CHANNELS})
    return flat


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])


def _sent(user: User, body: ProfileUpdate) -> dict[str, Any]:
    """What the update asks for, as path → value."""
    sent = body.model_fields_set
    wanted: dict[str, Any] = {}
    if "email" in sent and accounts.normalize_email(str(body.email)) != user.email:
        raise _refused(
            "email",
            "The email is not changed through the profile: a new address must be verified first",
        )
    if "name" in sent:
        if sent & {"first_name", "last_name"}:
            raise _refused("name", "Send name, or firstName and lastName, not both")
        first, _, last = str(body.name).partition(" ")
        wanted["first_name"], wanted["last_name"] = first, last.strip()
    for name in ("first_name", "last_name", "phone"):
        if name in sent:
            wanted[name] = getattr(body, name)
    avatars = [getattr(body, name) for name in ("avatar", "avatar_url") if name in sent]
    if len(set(avatars)) > 1:
        raise _refused("avatarUrl", "avatar and avatarUrl are the same picture: send one")
    if avatars:
        wanted["avatar_url"] = avatars[0]
    if "address" in sent:
        if body.address is None:
            wanted.update({f"address.{name}": None for name in ADDRESS_FIELDS})
        else:
            for name in body.address.model_fields_set:
                wanted[f"address.{name}"] = getattr(body.address, name)
    if "preferences" in sent and body.preferences is not None:
        chosen = body.preferences
        defaults = {"language": DEFAULT_LANGUAGE, "timezone": DEFAULT_TIME_ZONE}
        for name in chosen.model_fields_set & {"language", "timezone"}:
            wanted[f"preferences.{name}"] = getattr(chosen, name) or defaults[name]
        if "notifications" in chosen.model_fields_set and chosen.notifications is not None:
            for channel in chosen.notifications.model_fields_set:
                wanted[f"preferences.notifications.{channel}"] = getattr(chosen.notifications, channel)
    return wanted


def _stored(flat: dict[str, Any], changed: set[str]) -> dict[str, Any]:
    """The top-level attributes to write for the changed paths (a nested object is written whole)."""
    writes: dict[str, Any] = {}
    for name in ("first_name", "last_name", "phone", "avatar_url"):
        if name in changed:
            writes[name] = flat[name]
    if any(path.startswith("address.") for path in changed):
        address = {
            name: flat[f"address.{name}"] for name in ADDRESS_FIELDS if flat[f"address.{name}"] is not None
        }
        writes["address"] = address or None
    if any(path.startswith("preferences.") for path in changed):
        writes["preferences"] = {
            "language": flat["preferences.language"],
            "timezone": flat["preferences.timezone"],
            "notifications": {c: flat[f"preferences.notifications.{c}"] for c in NOTIFICATION_CHANNELS},
        }
    return writes


def update(principal: Principal, body: ProfileUpdate, if_match: str | None) -> Profile:
    """Apply the sent fields; nothing changed → the profile as it is (same version, no write)."""
    _person(principal)
    user = accounts.get_user(principal.user_id)
    concurrency.check(if_match, revisions.version_of(user))
    before = _flat(user)
    changes = diff_values(before, _sent(user, body))
    if changes:
        after = {**before, **changes.after}
        writes = _stored(after, set(changes.after))
        # the last-name part of a name is not required (a single name), but the first one is
        if not after["first_name"]:
            raise _refused("firstName", "A first name is required")
        writes["updated_by"] = principal.user_id
        writes["updated_in_org"] = principal.org_id
        revisions.commit(
            principal,
            user,
            writes,
            changes,
            action="user.updated",
            target=AuditTarget(org_id=principal.org_id, type="user", id=user.id),
            if_match=if_match,
        )
    return Profile(user, principal.roles)


def present(profile: Profile) -> ProfileOut:
    user = profile.user
    flat = _flat(user)
    address = {name: flat[f"address.{name}"] for name in ADDRESS_FIELDS}
    return ProfileOut(
        id=user.id,
        email=user.email,
        name=user.name,
        first_name=user.first_name,
        last_name=user.last_name,
        role=profile.roles[0] if profile.roles else None,
        roles=list(profile.roles),
        avatar=user.avatar_url,
        avatar_url=user.avatar_url,
        phone=user.phone,
        address=AddressOut(**address) if any(v is not None for v in address.values()) else None,
        preferences=PreferencesOut(
            language=flat["preferences.language"],
            timezone=flat["preferences.timezone"],
            notifications=NotificationsOut(
                **{c: flat[f"preferences.notifications.{c}"] for c in NOTIFICATION_CHANNELS}
            ),
        ),
        email_verified=user.email_verified_at is not None,
        mfa_enabled=bool(user.mfa_enabled),
        status=user.status,
        created_at=user.created_at,
        updated_at=user.updated_at or user.created_at,
        version=int(user.version or 0),
    )
