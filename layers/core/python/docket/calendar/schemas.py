"""Request and response models of calendar events (seed 000's fields)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination
from docket.tasks.schemas import ID_PATTERN, USER_PATTERN

#: at most this many attendees an event (each checked in the event's transaction)
MAX_ATTENDEES = 50
#: a reminder at most four weeks ahead
MAX_REMINDER_MINUTES = 40_320
_CASE_EXAMPLE = "case_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_CLIENT_EXAMPLE = "client_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_USER_EXAMPLE = "usr_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"


class EventType(StrEnum):
    MEETING = "meeting"
    DEADLINE = "deadline"
    COURT_DATE = "court_date"


Attendees = list[str]


class EventIn(InputModel):
    """Seed 000's "POST /calendar/events" body. Times may carry any offset (none: UTC); they are
    stored and answered in UTC. Attendees must be active members of the firm."""

    title: str = Field(min_length=1, max_length=200, examples=["Client Meeting"])
    description: Nullable[str] = Field(
        default=None, max_length=5000, examples=["Initial consultation with client"]
    )
    start: dt.datetime = Field(examples=["2025-01-20T10:00:00Z"])
    end: dt.datetime = Field(examples=["2025-01-20T11:00:00Z"])
    type: EventType = EventType.MEETING
    case_id: Nullable[str] = Field(default=None, pattern=ID_PATTERN, max_length=64, examples=[_CASE_EXAMPLE])
    client_id: Nullable[str] = Field(
        default=None, pattern=ID_PATTERN, max_length=64, examples=[_CLIENT_EXAMPLE]
    )
    location: Nullable[str] = Field(default=None, max_length=500, examples=["Conference Room A"])
    attendees: list[str] = Field(
        default_factory=list,
        max_length=MAX_ATTENDEES,
        examples=[[_USER_EXAMPLE]],
        json_schema_extra={"uniqueItems": True},
    )
    #: minutes before the start
    reminder: Nullable[int] = Field(default=None, ge=0, le=MAX_REMINDER_MINUTES, examples=[30])

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if _aware(self.end) < _aware(self.start):
            raise ValueError("end must not be before start")
        _check_attendees(self.attendees)
        return self


class EventUpdate(InputModel):
    """The fields to change; those left out keep their value, `null` clears an optional one."""

    title: Omittable[str] = Field(default=None, min_length=1, max_length=200)
    description: Nullable[str] = Field(default=None, max_length=5000)
    start: Omittable[dt.datetime] = None
    end: Omittable[dt.datetime] = None
    type: Omittable[EventType] = None
    case_id: Nullable[str] = Field(default=None, pattern=ID_PATTERN, max_length=64, examples=[_CASE_EXAMPLE])
    client_id: Nullable[str] = Field(
        default=None, pattern=ID_PATTERN, max_length=64, examples=[_CLIENT_EXAMPLE]
    )
    location: Nullable[str] = Field(default=None, max_length=500)
    attendees: Omittable[list[str]] = Field(
        default=None,
        max_length=MAX_ATTENDEES,
        examples=[[_USER_EXAMPLE]],
        json_schema_extra={"uniqueItems": True},
    )
    reminder: Nullable[int] = Field(default=None, ge=0, le=MAX_REMINDER_MINUTES)

    @model_validator(mode="after")
    def _attendees(self) -> Self:
        _check_attendees(self.attendees or [])
        return self


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _check_attendees(attendees: list[str]) -> None:
    import re

    for person in attendees:
        if not re.fullmatch(USER_PATTERN, person):
            raise ValueError(f"attendees: {person[:64]!r} is not a user id")
    if len(set(attendees)) != len(attendees):
        raise ValueError("attendees: each person once")


class EventOut(ApiModel):
    id: str
    title: str
    description: str | None
    start: str
    end: str
    type: EventType
    case_id: str | None
    client_id: str | None
    location: str | None
    attendees: list[str]
    reminder: int | None
    created_by: str | None
    created_at: str
    updated_at: str
    version: int


class EventList(ApiModel):
    events: list[EventOut]
    pagination: Pagination
