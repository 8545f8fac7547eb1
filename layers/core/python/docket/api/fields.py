"""Field types request models share: phone numbers, IANA time zones, BCP 47 language tags, https URLs,
ISO 4217 currencies.

Each is an annotated `str` whose JSON schema says what it accepts (a pattern and an example, so the
spec, the harnesses and clients agree) and whose validator checks what a pattern cannot (the digits
of a phone number, that a zone exists, that a host is a host name). A refusal is a 400 naming the
field, like every other input error.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from docket.currencies import MINOR_UNITS

# --- phone numbers -------------------------------------------------------------------------------
#: E.164-ish: an optional `+`, then digits with single spaces, dots, hyphens or parentheses between
#: them (`+91-9876543210`, `+1 (555) 010-0199`); 7 to 15 digits, as E.164 allows.
PHONE_PATTERN = r"^\+?[0-9(][0-9 ().-]{5,28}[0-9]$"
_PHONE_DIGITS = (7, 15)


def _phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        raise ValueError(f"a phone number has {_PHONE_DIGITS[0]} to {_PHONE_DIGITS[1]} digits, not {digits}")
    if re.search(r"[ ().-]{2}", value.replace(") ", ")")) or value.count("(") != value.count(")"):
        raise ValueError("separate the digits with single spaces, dots, hyphens or a pair of parentheses")
    return value


Phone = Annotated[
    str,
    Field(pattern=PHONE_PATTERN, max_length=30, examples=["+91-9876543210"]),
    AfterValidator(_phone),
]

# --- time zones ----------------------------------------------------------------------------------
#: Files of the zone database that are not zones a person lives in.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def time_zones() -> frozenset[str]:
    """The IANA zone names (`Asia/Kolkata`, `UTC`), from the OS's database or the tzdata package."""
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def _time_zone(value: str) -> str:
    if value not in time_zones():
        raise ValueError("not an IANA time zone (for example Asia/Kolkata, Europe/London, UTC)")
    return value


TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+/-]*$", examples=["Asia/Kolkata"]),
    AfterValidator(_time_zone),
]

# --- languages -----------------------------------------------------------------------------------
#: BCP 47, short form: language[-Script][-REGION] (`en`, `en-US`, `pt-BR`, `zh-Hant-TW`, `es-419`).
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$"


def _language(value: str) -> str:
    """The tag in its canonical case: `EN-us` → `en-US`, `zh-hant-tw` → `zh-Hant-TW`."""
    language, *rest = value.split("-")
    parts = [language.lower()]
    for part in rest:
        parts.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(parts)


Language = Annotated[
    str,
    Field(pattern=LANGUAGE_PATTERN, max_length=12, examples=["en"]),
    AfterValidator(_language),
]

# --- URLs ----------------------------------------------------------------------------------------
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _url(value: str, schemes: tuple[str, ...]) -> str:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme.lower() not in schemes:
        raise ValueError(f"must be an {' or '.join(schemes)} URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a URL with a user name or password is refused")
    host = (parts.hostname or "").rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii") if host else ""
    except UnicodeError:
        ascii_host = ""
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(f"the host {host or '(none)'!r} is not a host name such as cdn.example.com")
    if port == 0:
        raise ValueError("port 0 is not a port")
    return value


def _https_url(value: str) -> str:
    return _url(value, ("https",))


def _web_url(value: str) -> str:
    return _url(value, ("https", "http"))


#: Images and files Docket links to: https only, so a page served over TLS never loads them in clear.
HttpsUrl = Annotated[
    str,
    Field(
        min_length=12,
        max_length=2048,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]://",
        examples=["https://cdn.example.com/a.png"],
    ),
    AfterValidator(_https_url),
]
#: A firm's web site: http or https.
WebUrl = Annotated[
    str,
    Field(
        min_length=11,
        max_length=2048,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://",
        examples=["https://acme-law.example"],
    ),
    AfterValidator(_web_url),
]

# --- currencies ----------------------------------------------------------------------------------


def _currency(value: str) -> str:
    code = value.upper()
    if code not in MINOR_UNITS:
        raise ValueError("not an ISO 4217 currency code (for example USD, EUR, INR)")
    return code


Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", examples=["USD"]), AfterValidator(_currency)]
