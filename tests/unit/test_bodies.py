"""Reading JSON from the wire (`docket.api.bodies`): bounded depth, numbers DynamoDB can hold."""

from __future__ import annotations

import pytest

from docket.api import bodies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 0),
        ('"[[["', 0),
        ("{}", 1),
        ('[{"a": [1, {"b": null}]}]', 4),
        ('{"a": "]]]\\"[[[", "b": [[]]}', 3),
        ('["\\\\", [["x"]]]', 3),
        ("[" * 1000 + "]" * 1000, 1000),
    ],
)
def test_depth_counts_brackets_outside_strings_without_recursion(text: str, expected: int) -> None:
    assert bodies.depth(text) == expected


def test_parse_refuses_what_would_overflow_the_parser() -> None:
    # Given text nested far deeper than json.loads can recurse
    deep = "[" * 100_000 + "]" * 100_000
    # Then parse refuses it with a kind and a message, never a RecursionError
    with pytest.raises(bodies.InvalidJson) as refused:
        bodies.parse(deep)
    assert refused.value.kind == "json_too_deep"
    assert bodies.parse("[" * bodies.MAX_DEPTH + "]" * bodies.MAX_DEPTH) is not None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1" + "0" * 38, "json_number_out_of_range"),
        ("-1" + "0" * 38, "json_number_out_of_range"),
        ("1" + "0" * 5000, "json_number_out_of_range"),
        ("1e126", "json_number_out_of_range"),
        ("1e-131", "json_number_out_of_range"),
        ("NaN", "json_invalid"),
        ("-Infinity", "json_invalid"),
        ('"\\udc00"', "json_invalid"),
        ("{", "json_invalid"),
        ("", "json_invalid"),
    ],
)
def test_parse_refuses_numbers_and_strings_no_client_means(text: str, kind: str) -> None:
    with pytest.raises(bodies.InvalidJson) as refused:
        bodies.parse(text)
    assert refused.value.kind == kind


@pytest.mark.parametrize(
    ("text", "value"),
    [("9" * 38, int("9" * 38)), ("1.5e125", 1.5e125), ("0.0", 0.0), ('"\\ud83d\\ude00"', "\U0001f600")],
)
def test_parse_keeps_what_fits(text: str, value: object) -> None:
    assert bodies.parse(text) == value


def test_canonical_is_one_spelling_per_value() -> None:
    assert bodies.canonical(bodies.parse('{ "b": [1, 2],\n "a": "é" }')) == '{"a":"é","b":[1,2]}'
