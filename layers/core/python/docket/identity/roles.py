"""System roles and the permissions they grant (`resource:action`; `resource:*` and `*` are wildcards)."""

from __future__ import annotations

OWNER = "owner"
ADMIN = "admin"
ATTORNEY = "attorney"
PARALEGAL = "paralegal"
STAFF = "staff"
CLIENT = "client"

SYSTEM_ROLES: dict[str, tuple[str, ...]] = {
    OWNER: ("*",),
    ADMIN: ("users:*", "roles:*", "organizations:*", "feedback:*", "audit:read", "apikeys:manage"),
    ATTORNEY: ("feedback:read", "feedback:write"),
    PARALEGAL: ("feedback:read", "feedback:write"),
    STAFF: ("feedback:read", "feedback:write"),
    CLIENT: ("portal:read",),
}


def permissions_of(roles: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    granted: list[str] = []
    for role in roles:
        for permission in SYSTEM_ROLES.get(role, ()):
            if permission not in granted:
                granted.append(permission)
    return tuple(granted)
