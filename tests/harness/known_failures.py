"""Defects the harnesses found in product code that another part of the work is fixing.

Each entry names the operation and the input (a hostile shape, or what a fuzz case holds), who
fixes it and why it fails. Two tables:

- `KNOWN_FAILURES`, the fuzz run's: a predicate recognises the generated cases that are the defect
  (their check failures are tolerated, nothing else is), and an exact reproduction is replayed by
  `tests/e2e/test_fuzz.py::test_a_known_failure_still_reproduces` as a strict xfail;
- `HOSTILE_KNOWN_FAILURES`, the hostile-shapes pass's: (operation, shape) cells, whose own tests are
  strict xfails.

Either way, once the fix is merged the test passes, the suite fails, and the entry must go. The
tables are meant to be emptied, never extended to make a check pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


def refused_in_the_envelope(response: Any) -> bool:
    """What a fixed API answers bad input with: a 4xx in the error envelope."""
    if not 400 <= response.status_code < 500:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("success") is False and "error" in body


@dataclass(frozen=True)
class Reproduction:
    """One exact request: `path` may hold `{parameter}`s filled with the fuzz firm's real ids; it
    is sent as the fuzz firm's owner."""

    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    #: requests (method, path) sent first, without a body, to reach the state the defect needs
    prepare: tuple[tuple[str, str], ...] = ()
    #: whether a response is the fixed behaviour
    fixed: Callable[[Any], bool] = field(default=refused_in_the_envelope, compare=False)


@dataclass(frozen=True)
class KnownFailure:
    operation: str
    #: the hostile shape's name, or a short name of what the fuzz case holds
    shape: str
    owner: str
    reason: str
    #: for fuzz findings: the exact request replayed until the fix lands (a hostile shape's own
    #: test is its replay: it is a strict xfail)
    reproduction: Reproduction | None = None
    #: for the fuzz run: whether a generated case and its response are this defect (then the
    #: response's check failures are tolerated)
    matches: Callable[[Any, Any], bool] = field(default=lambda case, response: False, compare=False)


#: an entry about the gateway rather than one route
ANY_OPERATION = "*"


#: aiohttp's default limit on the request line (the emulator's HTTP server)
LOCAL_REQUEST_LINE_LIMIT = 8190


def _has_null_field(body: Any) -> bool:
    return isinstance(body, dict) and any(value is None for value in body.values())


def _non_ascii(body: Any, field: str) -> bool:
    value = body.get(field) if isinstance(body, dict) else None
    return isinstance(value, str) and not value.isascii()


def _email_with_line_break(body: Any) -> bool:
    value = body.get("email") if isinstance(body, dict) else None
    return isinstance(value, str) and len(value.splitlines()) > 1


def _answered_by_aiohttp(response: Any) -> bool:
    # every answer of the gateway emulation carries API Gateway's request id
    return "x-amzn-requestid" not in {name.lower() for name in response.headers}


def _long_request_line(case: Any, response: Any) -> bool:
    request = getattr(response, "request", None)
    long = request is not None and len(request.path_url) > LOCAL_REQUEST_LINE_LIMIT
    return long and _answered_by_aiohttp(response)


def _control_character_in_path(case: Any, response: Any) -> bool:
    # (schemathesis keeps path parameters percent-encoded)
    values = [unquote(str(v)) for v in (case.path_parameters or {}).values()]
    return any(c in v for v in values for c in "\n\r") and _answered_by_aiohttp(response)


#: What the fuzz run found: each with the predicate that recognises its cases, and a replay.
KNOWN_FAILURES: tuple[KnownFailure, ...] = (
    KnownFailure(
        operation="PUT /feedback/{feedbackId}",
        shape="null field",
        owner="B (API-layer bad input)",
        reason=(
            "`null` for a field of FeedbackUpdate passes validation (the update model declares every "
            "field `X | None`) and reaches the item: PynamoDB raises AttributeNullError (500)"
        ),
        reproduction=Reproduction("PUT", "/feedback/{feedbackId}", json={"rating": None}),
        matches=lambda case, response: response.status_code >= 500 and _has_null_field(case.body),
    ),
    KnownFailure(
        operation="POST /auth/organization/register",
        shape="line break in the email",
        owner="B (API-layer bad input: EMAIL_PATTERN in docket/identity/models.py)",
        reason=(
            "EMAIL_PATTERN (`[^@\\s]`) lets through characters Python's email headers treat as line "
            "breaks (\\x1c-\\x1e, \\x85, \\u2028…); the firm is registered, then the verification mail "
            "cannot carry the address in its To header: ValueError (500), after the account was written"
        ),
        reproduction=Reproduction(
            "POST",
            "/auth/organization/register",
            json={
                "organizationName": "Linebreak LLP",
                "organizationEmail": "office@linebreak.example",
                "firstName": "Lin",
                "lastName": "Break",
                "email": "lin\u001dbreak@linebreak.example",
                "password": "Correct-Horse-42",
            },
        ),
        matches=lambda case, response: response.status_code >= 500 and _email_with_line_break(case.body),
    ),
    KnownFailure(
        operation="POST /mfa/setup/verify",
        shape="non-ASCII code",
        owner="C (identity: docket/identity/mfa.py)",
        reason="`secrets.compare_digest` raises TypeError on a non-ASCII str code (500); compare bytes",
        reproduction=Reproduction(
            "POST", "/mfa/setup/verify", json={"code": "éééééé"}, prepare=(("POST", "/mfa/setup/initialize"),)
        ),
        matches=lambda case, response: response.status_code >= 500 and _non_ascii(case.body, "code"),
    ),
    KnownFailure(
        operation=ANY_OPERATION,
        shape="request line over 8 KB",
        owner="A (emulator)",
        reason=(
            "the emulator's aiohttp server refuses a request line over 8,190 bytes itself, with a bare "
            "`400 text/plain` ('Bad Request'), before the gateway emulation runs; API Gateway answers "
            "an over-long URI with a gateway response (414 Request-URI Too Large) the stack can render "
            "in the error envelope. Negative generation sends a 2,049+ character cursor, percent-encoded."
        ),
        reproduction=Reproduction("GET", "/feedback", query={"cursor": "é" * 2100}),
        matches=_long_request_line,
    ),
    KnownFailure(
        operation=ANY_OPERATION,
        shape="line feed in a path parameter",
        owner="A (emulator)",
        reason=(
            "the emulator's catch-all aiohttp route `/{tail:.*}` does not match a path holding a decoded "
            "line feed (`.` stops at `\\n`), so aiohttp answers `404: Not Found` in text/plain itself; "
            "API Gateway would route `/feedback/{proxy+}` to the function, which answers in the envelope."
        ),
        reproduction=Reproduction("GET", "/feedback/fb_0000%0A"),
        matches=_control_character_in_path,
    ),
)


def _each(
    operations: tuple[str, ...], shapes: tuple[str, ...], owner: str, reason: str
) -> tuple[KnownFailure, ...]:
    """One entry per (operation, hostile shape) of an explicit list."""
    return tuple(KnownFailure(op, shape, owner, reason) for op in operations for shape in shapes)


_JSON_BODY_OPERATIONS = (
    "DELETE /mfa/disable",
    "POST /auth/api-keys",
    "POST /auth/change-password",
    "POST /auth/forgot-password",
    "POST /auth/login",
    "POST /auth/organization/register",
    "POST /auth/refresh",
    "POST /auth/resend-verification",
    "POST /auth/reset-password",
    "POST /auth/verify-mfa",
    "POST /feedback",
    "POST /mfa/backup-codes/regenerate",
    "POST /mfa/setup/verify",
    "POST /token",
    "POST /token/refresh",
    "PUT /feedback/{feedbackId}",
    "PUT /organizations/me/settings",
    "PUT /users/me/change-password",
)

_B = "B (API-layer bad input)"

#: what the hostile-shapes pass found: (operation, shape) cells, each a strict xfail
HOSTILE_KNOWN_FAILURES: tuple[KnownFailure, ...] = (
    *_each(
        _JSON_BODY_OPERATIONS,
        ("nesting 1000 deep",),
        _B,
        "json.loads raises RecursionError on a body nested ~1,000 levels (500): refuse JSON deeper "
        "than a declared limit with a 400 before anything parses it recursively",
    ),
    *_each(
        ("GET /auth/api-keys", "GET /auth/sessions", "GET /feedback"),
        (".é in query cursor",),
        f"{_B}: docket/security/signing.py",
        "`hmac.compare_digest` raises TypeError on a non-ASCII cursor (500): compare bytes",
    ),
    *_each(
        (
            "POST /auth/api-keys",
            "POST /auth/forgot-password",
            "POST /auth/login",
            "POST /auth/resend-verification",
            "POST /feedback",
            "POST /token",
            "PUT /feedback/{feedbackId}",
            "PUT /organizations/me/settings",
        ),
        ("array of the body", "array of two bodies"),
        _B,
        "a JSON array where an object is declared is taken as its first element, the rest dropped "
        "(Powertools' request validation): accepted instead of a 400",
    ),
    *_each(
        ("PUT /feedback/{feedbackId}",),
        ("every field null", "null category", "null feature", "null priority", "null rating", "null status"),
        _B,
        "the update model declares every field `X | None` (nullable in the spec too), and `null` "
        "reaches the item: PynamoDB raises AttributeNullError (500); omittable must not mean nullable",
    ),
    KnownFailure(
        "POST /auth/token",
        "JSON body instead of a form",
        "C (identity: /auth/token)",
        "a JSON body issues tokens although the token endpoint takes form bodies only "
        "(docs/identity.md: invalid_request)",
    ),
)


def known(operation: str, shape: str) -> KnownFailure | None:
    for entry in HOSTILE_KNOWN_FAILURES:
        if entry.operation == operation and entry.shape == shape:
            return entry
    return None


def tolerated(operation: str, case: Any, response: Any) -> KnownFailure | None:
    """The known failure a fuzz case of `operation` (and its response) is an instance of, if any."""
    for entry in KNOWN_FAILURES:
        if entry.operation in (operation, ANY_OPERATION) and entry.matches(case, response):
            return entry
    return None
