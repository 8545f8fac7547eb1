"""Request models say what null means, and read JSON numbers and booleans strictly."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from docket.api.models import InputModel, Nullable, Omittable


class Colour(StrEnum):
    RED = "red"


class Inner(InputModel):
    count: int


class Change(InputModel):
    size: Omittable[int] = Field(default=None, ge=1, le=5)
    colour: Omittable[Colour] = None
    note: Nullable[str] = Field(default=None, max_length=10)
    enabled: Omittable[bool] = None
    weights: list[float] = []
    inner: Omittable[Inner] = None
    lax: Omittable[int] = Field(default=None, strict=False)


def errors(payload: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Change).validate_python(payload)
    return [(e["loc"], e["type"]) for e in refused.value.errors()]


def test_a_field_that_admits_null_must_say_what_null_means() -> None:
    with pytest.raises(TypeError, match="Omittable"):

        class Vague(InputModel):
            size: int | None = None


def test_omittable_refuses_null_and_nullable_takes_it() -> None:
    assert errors({"size": None}) == [(("size",), "null_not_allowed")]
    assert errors({"colour": None}) == [(("colour",), "null_not_allowed")]
    changed = Change.model_validate({"note": None, "colour": "red"})
    assert changed.model_dump(exclude_unset=True) == {"note": None, "colour": Colour.RED}


def test_the_schema_says_it_truthfully() -> None:
    properties = Change.model_json_schema()["properties"]
    # Omittable: the value's own schema, not required, no null branch, no `default: null`
    assert properties["size"] == {"maximum": 5, "minimum": 1, "title": "Size", "type": "integer"}
    assert properties["colour"] == {"$ref": "#/$defs/Colour"}
    # Nullable: null is one of the values
    assert {"type": "null"} in properties["note"]["anyOf"]
    assert "required" not in Change.model_json_schema()


@pytest.mark.parametrize(
    ("payload", "loc", "kind"),
    [
        ({"size": "5"}, ("size",), "int_type"),
        ({"size": True}, ("size",), "int_type"),
        ({"size": 5.0}, ("size",), "int_type"),
        ({"enabled": 1}, ("enabled",), "bool_type"),
        ({"enabled": "true"}, ("enabled",), "bool_type"),
        ({"weights": [1.5, "2"]}, ("weights", 1), "float_type"),
        ({"inner": {"count": "3"}}, ("inner", "count"), "int_type"),
    ],
)
def test_numbers_and_booleans_are_strict_at_any_depth(
    payload: dict[str, Any], loc: tuple[Any, ...], kind: str
) -> None:
    assert errors(payload) == [(loc, kind)]


def test_strings_enums_integers_as_floats_and_explicit_lax_fields_read_as_declared() -> None:
    changed = Change.model_validate({"colour": "red", "weights": [1, 2.5], "lax": "4", "inner": {"count": 3}})
    assert (changed.colour, changed.weights, changed.lax) == (Colour.RED, [1.0, 2.5], 4)


def test_a_field_named_type_is_a_field_like_any_other() -> None:
    # seed 000's client has a `type` (individual, corporate): its schema holds a dict under "type"
    class Kind(StrEnum):
        INDIVIDUAL = "individual"

    class Typed(InputModel):
        type: Kind = Kind.INDIVIDUAL
        count: Omittable[int] = None

    assert Typed.model_validate({"type": "individual", "count": 2}).type is Kind.INDIVIDUAL
    with pytest.raises(ValidationError):
        Typed.model_validate({"count": "2"})


class Labelled(InputModel):
    label: str = Field(max_length=5)
    note: Omittable[str] = Field(default=None, max_length=5)


@pytest.mark.parametrize("field", ["label", "note"])
def test_a_length_limit_counts_what_was_sent_before_stripping(field: str) -> None:
    # Given a limit of 5 characters, When 5 characters come with a line feed before them
    body = {"label": "ok", field: "\nabcde"}
    # Then the limit the spec states is the one applied (it was checked after stripping)
    with pytest.raises(ValidationError) as refused:
        Labelled.model_validate(body)
    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == ((field,), "string_too_long")
    # while whitespace within the limit is still stripped
    assert getattr(Labelled.model_validate({**body, field: " abc "}), field) == "abc"


class Coded(InputModel):
    code: str = Field(pattern=r"^[A-Z]{3}$")


def test_a_pattern_holds_for_the_string_as_sent() -> None:
    # Given a pattern that admits no whitespace, When a matching value comes behind a line feed
    with pytest.raises(ValidationError) as refused:
        Coded.model_validate({"code": "\nABC"})
    # Then it is refused as the spec says, while the value itself is accepted
    assert refused.value.errors()[0]["type"] == "string_pattern_mismatch"
    assert Coded.model_validate({"code": "ABC"}).code == "ABC"


class CodedOrOmitted(InputModel):
    code: Omittable[str] = Field(default=None, pattern=r"^[a-z]{3}$", max_length=3)


@pytest.mark.parametrize("sent", ["\rabc", "abc ", "\n" + "x" * 10])
def test_a_string_is_held_to_its_constraints_as_sent_not_as_stripped(sent: str) -> None:
    # Given strings the spec refuses (too long or off-pattern as sent) that stripping would let through
    # When a model reads one, Then it is refused, as the spec says
    with pytest.raises(ValidationError):
        CodedOrOmitted.model_validate({"code": sent})
    with pytest.raises(ValidationError):
        Change.model_validate({"note": sent.ljust(11)})


def test_surrounding_whitespace_is_still_stripped_within_the_constraints() -> None:
    assert Change.model_validate({"note": " a note "}).note == "a note"
    assert CodedOrOmitted.model_validate({"code": "abc"}).code == "abc"
