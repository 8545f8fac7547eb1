"""Every domain event Docket publishes, declared once (docs/events.md mirrors this; a test checks).

Events come from the table's stream: an item's `type` and the kind of change name the event. An
entity type not listed here publishes nothing (counters, audit entries, rate-limit windows…).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field

from docket.api.models import ApiModel


class Audience(StrEnum):
    """Whose WebSocket connections an event is pushed to."""

    #: everyone connected in the tenant
    TENANT = "tenant"
    #: only the user who caused it (its `actorId`): what is theirs alone to follow
    ACTOR = "actor"


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class EventType:
    name: str
    entity_type: str
    change: Change
    description: str
    audience: Audience = Audience.TENANT

    @property
    def socket_name(self) -> str:
        """Seed 000's WebSocket spelling: `case:updated` for `case.updated`."""
        return self.name.replace(".", ":", 1)


CATALOG: tuple[EventType, ...] = (
    EventType("feedback.created", "feedback", Change.CREATED, "A user submitted feedback."),
    EventType("feedback.updated", "feedback", Change.UPDATED, "Feedback changed (status, rating, comment…)."),
    EventType("feedback.deleted", "feedback", Change.DELETED, "Feedback was deleted."),
    EventType(
        "audit_export.created",
        "audit_export",
        Change.CREATED,
        "An export of the audit trail was requested (its worker starts on this).",
        Audience.ACTOR,
    ),
    EventType(
        "audit_export.updated",
        "audit_export",
        Change.UPDATED,
        "An audit export ran or completed (its status, then its size and checksum).",
        Audience.ACTOR,
    ),
    EventType("role.created", "role", Change.CREATED, "A custom role was created."),
    EventType(
        "role.updated",
        "role",
        Change.UPDATED,
        "A custom role changed (name, slug, description, permissions).",
    ),
    EventType("role.deleted", "role", Change.DELETED, "A custom role was deleted."),
)

_BY_ENTITY: dict[tuple[str, Change], EventType] = {(e.entity_type, e.change): e for e in CATALOG}
_BY_NAME: dict[str, EventType] = {e.name: e for e in CATALOG}


def for_change(entity_type: str, change: Change) -> EventType | None:
    return _BY_ENTITY.get((entity_type, change))


def named(name: str) -> EventType:
    return _BY_NAME[name]


class DomainEvent(ApiModel):
    """The `detail` of every event on the bus (and what consumers receive)."""

    event_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    org_id: str = Field(min_length=1)
    entity_type: str
    entity_id: str
    actor_id: str | None = None
    occurred_at: str
    #: Attributes whose value changed (updates); empty for creates and deletes.
    changes: list[str] = Field(default_factory=list)
    #: The entity as it is now (as it was, for deletes), camelCase, without storage keys.
    data: dict[str, Any] = Field(default_factory=dict)
