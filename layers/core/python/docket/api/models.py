"""Base models for the API: camelCase out, camelCase or snake_case in."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


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


class InputModel(ApiModel):
    """Request bodies: unknown fields are refused, so typos are a 400 instead of a silent no-op."""

    model_config = ConfigDict(extra="forbid")


T = TypeVar("T")


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
