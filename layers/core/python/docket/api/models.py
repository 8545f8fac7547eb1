"""Base models for the API: camelCase out, camelCase or snake_case in.

Request bodies (`InputModel`) say, for every field that may be left out, what `null` means:

- `Omittable[T]`: may be left out (an update keeps the stored value); `null` is refused with the
  field's name. The spec shows the field as `T`, not required, never null.
- `Nullable[T]`: `null` is a value (in an update, it clears the field). The spec shows `T | null`.

A bare `T | None` on an InputModel field is refused when the class is defined, so no route can
leave the question open. JSON numbers and booleans validate strictly (`"5"` and `true` are not
an integer, `1` is not a boolean); strings, enums (by their string value) and dates (ISO strings)
read as declared. Query and path parameters are not InputModels: they arrive as strings and keep
their lax parsing.
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


class ApiModel(BaseModel):
    """Every request and response model derives from this."""

    # `defer_build`: a model's validator and serializer are built when it is first used, not when
    # its module is imported, so a cold start builds only the models its first request touches.
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        str_strip_whitespace=True,
        defer_build=True,
    )


T = TypeVar("T")


class _NotNull:
    """Marks an `Omittable` field: a present `null` is refused, and the schema omits the null branch."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        rendered = handler(schema)
        branches = [b for b in rendered.get("anyOf", ()) if b != {"type": "null"}]
        if len(branches) == 1:
            rest = {k: v for k, v in rendered.items() if k != "anyOf"}
            return {**branches[0], **rest}
        if branches:
            return {**rendered, "anyOf": branches}
        return rendered


class _NullClears:
    """Marks a `Nullable` field: `null` is a value the caller may send."""


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_not_allowed", "must not be null (leave the field out to keep it)")
    return value


Omittable = Annotated[T | None, _NotNull()]
Nullable = Annotated[T | None, _NullClears()]

_STRICT_SCHEMAS = frozenset({"int", "float", "decimal", "bool"})


def _strict_numbers(schema: Any) -> Any:
    """A copy of a core schema with every number and boolean schema strict (unless set explicitly)."""
    if isinstance(schema, dict):
        copied = {key: _strict_numbers(value) for key, value in schema.items()}
        # a model's field named `type` puts a dict under that key: only a schema's own type is a string
        kind = copied.get("type")
        if isinstance(kind, str) and kind in _STRICT_SCHEMAS:
            copied.setdefault("strict", True)
        return copied
    if isinstance(schema, list):
        return [_strict_numbers(item) for item in schema]
    return schema


def _admits_none(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return any(arg is type(None) or _admits_none(arg) for arg in get_args(annotation))
    if origin is Literal:
        return None in get_args(annotation)
    return annotation is None or annotation is type(None)


class InputModel(ApiModel):
    """Request bodies: unknown fields are refused, so typos are a 400 instead of a silent no-op;
    numbers and booleans are strict; every field that admits `null` says what it means."""

    model_config = ConfigDict(extra="forbid")

    #: `Omittable` fields (by alias): the spec shows no `default: null` for them.
    __omittable__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        omittable = set()
        for name, field in cls.model_fields.items():
            markers = {type(m) for m in field.metadata}
            if _NotNull in markers:
                omittable.add(field.alias or name)
            elif _NullClears not in markers and _admits_none(field.annotation):
                raise TypeError(
                    f"{cls.__name__}.{name} admits null: declare it Omittable[...] (may be left out, "
                    "never null) or Nullable[...] (null is a value) from docket.api.models"
                )
        cls.__omittable__ = frozenset(omittable)

    @field_validator("*", mode="before")
    @classmethod
    def _as_sent_within_length(cls, value: Any, info: ValidationInfo) -> Any:
        """A string's `maxLength` and `pattern` hold for the string as sent, as the spec says:
        whitespace is stripped before the declared constraints are checked, which would otherwise
        accept `maxLength` characters and a space, or a pattern's match after a line feed."""
        if not isinstance(value, str) or info.field_name is None:
            return value
        field = cls.model_fields.get(info.field_name)
        for constraint in field.metadata if field is not None else ():
            limit = getattr(constraint, "max_length", None)
            if isinstance(limit, int) and len(value) > limit:
                raise PydanticCustomError(
                    "string_too_long",
                    "String should have at most {max_length} characters",
                    {"max_length": limit},
                )
            pattern = getattr(constraint, "pattern", None)
            if isinstance(pattern, str) and value != value.strip() and not re.search(pattern, value):
                raise PydanticCustomError(
                    "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": pattern}
                )
        return value

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        strict: CoreSchema = _strict_numbers(handler(source))
        return strict

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        rendered = handler(schema)
        properties = handler.resolve_ref_schema(rendered).get("properties", {})
        for name in cls.__omittable__:
            if name in properties and properties[name].get("default", ...) is None:
                del properties[name]["default"]
        return rendered


class Ok(ApiModel, Generic[T]):
    """The success envelope of seed 000."""

    success: Literal[True] = True
    data: T
    message: str | None = None


class ErrorBody(ApiModel):
    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str
    details: Any = None
    timestamp: str
    request_id: str


class ErrorEnvelope(ApiModel):
    success: Literal[False] = False
    error: ErrorBody


class Pagination(ApiModel):
    """Cursor fields always; page fields when the caller paged by number, offset when by offset."""

    limit: int
    has_next: bool
    next_cursor: str | None = None
    page: int | None = None
    pages: int | None = None
    total_pages: int | None = None
    offset: int | None = None
    total: int | None = None
    has_prev: bool | None = None
