"""Reading JSON from the wire: every REST body and WebSocket frame is parsed here, and only here.

`json.loads` recurses once per nesting level, so a body nested a thousand levels deep is a
`RecursionError` (and a 500) before any validation runs; it also turns a 5,000-digit number into a
plain `ValueError`, and accepts `NaN`, `Infinity` and unpaired surrogate escapes, none of which is
JSON a client means or DynamoDB stores. `parse` refuses all of these with an `InvalidJson` that
says what and where; the resolver and the WebSocket dispatcher render it as a 400 / error frame.
The depth is measured without recursion, before anything parses the text.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

#: Deeper than any request model nests (a model inside a list inside a model is 3 or 4 levels).
MAX_DEPTH = 64
#: Numbers must fit DynamoDB's number type (38 significant digits, magnitude 1E-130 to 9.99E+125),
#: or a value that passed validation would fail the write.
MAX_INTEGER_DIGITS = 38
MAX_MAGNITUDE = 1e126
MIN_MAGNITUDE = 1e-130

# A JSON string, unrolled so the regex engine never backtracks: "…" with \-escapes inside.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class InvalidJson(ValueError):
    """Text that is not JSON Docket accepts. `kind` is a stable machine name, `message` for people."""

    def __init__(self, kind: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.position = position


def depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (0 for a scalar), counted without recursion.

    Strings are removed first (brackets inside them do not count); the strings are matched from
    the left as a JSON lexer reads them, so for any prefix a parser accepts the count is exact."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def _out_of_range(literal: str) -> InvalidJson:
    shown = literal if len(literal) <= 24 else f"{literal[:20]}…"
    return InvalidJson("json_number_out_of_range", f"number {shown} is out of range")


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _out_of_range(literal)
    return int(literal)


def _number(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value) or abs(value) >= MAX_MAGNITUDE or (value and abs(value) < MIN_MAGNITUDE):
        raise _out_of_range(literal)
    return value


def _refuse_constant(name: str) -> Any:
    raise InvalidJson("json_invalid", f"{name} is not JSON")


def parse(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `text`, or `InvalidJson` (never another exception)."""
    if depth(text) > max_depth:
        raise InvalidJson("json_too_deep", f"JSON nests deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_refuse_constant)
    except InvalidJson:
        raise
    except json.JSONDecodeError as exc:
        raise InvalidJson("json_invalid", f"invalid JSON: {exc.msg}", exc.pos) from None
    except (ValueError, RecursionError) as exc:  # defence in depth: the checks above cover the known ones
        raise InvalidJson("json_invalid", f"invalid JSON: {exc}"[:200]) from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise InvalidJson("json_invalid", "invalid JSON: a string holds an unpaired surrogate") from None
    return value


def canonical(value: Any) -> str:
    """One spelling per JSON value: sorted keys, no insignificant whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
