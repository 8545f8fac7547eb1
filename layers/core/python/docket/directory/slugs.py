"""Organization slugs: the firm's name in URLs, unique across the platform.

A slug is 3-48 characters of lower-case letters, digits and single hyphens, starting and ending with
a letter or digit (sent in capitals, it is lower-cased). Words the platform uses for itself (`api`,
`admin`, `www`, `docs`, `auth`, …) are reserved. Uniqueness is a claim item per slug
(`SLUG#<slug>` / `SLUG`, written with a condition that it does not exist), taken and released in
the same transaction as the organization's change, so two firms can never hold one slug, even when
they ask at the same moment.
"""

from __future__ import annotations

import re

from docket.errors import ValidationFailed

MIN_LENGTH, MAX_LENGTH = 3, 48
_FORMAT = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")

#: names of the platform's own hosts, paths and roles: a firm called `admin` would be a phishing aid
RESERVED = frozenset(
    [
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "contact",
        "dashboard",
        "dev",
        "developer",
        "developers",
        "docket",
        "docs",
        "download",
        "downloads",
        "ftp",
        "help",
        "home",
        "imap",
        "info",
        "legal",
        "login",
        "logout",
        "mail",
        "me",
        "mfa",
        "new",
        "ns1",
        "ns2",
        "null",
        "oauth",
        "openapi",
        "organization",
        "organizations",
        "portal",
        "pop",
        "pop3",
        "privacy",
        "register",
        "root",
        "security",
        "settings",
        "signin",
        "signup",
        "smtp",
        "staging",
        "static",
        "status",
        "support",
        "system",
        "terms",
        "test",
        "undefined",
        "user",
        "users",
        "webhooks",
        "webmail",
        "ws",
        "wss",
        "www",
    ]
)


def normalized(sent: str) -> str:
    """The slug as stored, or ValidationFailed naming `slug` with what is wrong."""
    slug = sent.strip().lower()

    def refused(message: str) -> ValidationFailed:
        return ValidationFailed(f"Invalid slug: {message}", details=[{"field": "slug", "message": message}])

    if not MIN_LENGTH <= len(slug) <= MAX_LENGTH:
        raise refused(f"must be {MIN_LENGTH} to {MAX_LENGTH} characters long")
    if not _FORMAT.match(slug):
        raise refused(
            "use lower-case letters, digits and single hyphens, starting and ending with a letter or digit"
        )
    if slug in RESERVED:
        raise refused(f"{slug!r} is reserved")
    return slug
