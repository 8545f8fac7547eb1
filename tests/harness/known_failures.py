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


#: what the hostile-shapes pass found: (operation, shape) cells, each a strict xfail (none open)
HOSTILE_KNOWN_FAILURES: tuple[KnownFailure, ...] = ()


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
