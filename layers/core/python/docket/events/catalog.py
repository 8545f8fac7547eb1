"""Every domain event Docket publishes, declared once (docs/events.md mirrors this; a test checks).

Events come from the table's stream: an item's `type` and the kind of change name the event. An
entity type not listed here publishes nothing (counters, audit entries, rate-limit windows…).

An event type may say which attribute names its organization (`tenant`: a user, who belongs to
several, is published in the one the change was made from), which attributes it publishes
(`fields`: a user item also holds password and MFA hashes, which never leave the table; an update
that changes none of them publishes nothing), and who alone receives it over the WebSocket
(`recipient`: the user an export belongs to, rather than the whole firm).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field

from docket.api.models import ApiModel


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
    #: the attribute holding the organization the event belongs to
    tenant: str = "org_id"
    #: the attributes published (`id` always); None: all but the storage keys
    fields: tuple[str, ...] | None = None
    #: the attribute naming the one user who gets the WebSocket push; None: the whole organization
    recipient: str | None = None
    #: other spellings the seeds give this event on the WebSocket (seed 004's `client_updated`),
    #: carried in the push as `aliases`
    aliases: tuple[str, ...] = ()
    #: the push also carries seed 000's shape `{<subject>: id, updates, updatedBy, timestamp}`
    #: (`case:updated`: `{caseId, updates, updatedBy, timestamp}`)
    subject: str | None = None

    @property
    def socket_name(self) -> str:
        """Seed 000's WebSocket spelling: `case:updated` for `case.updated`."""
        return self.name.replace(".", ":", 1)


_CLIENT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "client_type",
    "status",
    "address",
    "contact_person",
    "stage_id",
    "notes",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
_CASE_FIELDS = (
    "case_number",
    "title",
    "description",
    "status",
    "priority",
    "client_id",
    "assigned_to",
    "estimated_hours",
    "actual_hours",
    "billing_rate",
    "total_billed",
    "tags",
    "responsible_attorney",
    "team_members",
    "restricted",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
_STAGE_FIELDS = ("name", "color", "position", "created_at", "updated_at", "version")
_TASK_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "client_id",
    "case_id",
    "assigned_to",
    "completed_at",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
_DISPUTE_FIELDS = (
    "title",
    "client_id",
    "bureau",
    "account",
    "reason",
    "notes",
    "status",
    "outcome",
    "sent_at",
    "due_at",
    "resolved_at",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
_TRANSITION_FIELDS = (
    "dispute_id",
    "client_id",
    "from_status",
    "to_status",
    "outcome",
    "due_at",
    "note",
    "created_at",
)
_EVENT_FIELDS = (
    "title",
    "description",
    "event_type",
    "start_at",
    "end_at",
    "case_id",
    "client_id",
    "location",
    "attendees",
    "reminder",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
_EXPORT_FIELDS = ("user_id", "status", "records", "size_bytes", "created_at", "completed_at", "expires_at")
#: a member's place in the firm (not the copies of the account's name and email the member list
#: searches, which `user.updated` publishes, nor the revocation's reason, which is the audit trail's)
_MEMBER_FIELDS = ("user_id", "roles", "status", "joined_at", "invited_by", "revoked_at", "revoked_by")
#: an invitation as the firm lists it (never its token's hash)
_INVITATION_FIELDS = (
    "email",
    "role_id",
    "role_number",
    "role_slug",
    "role_name",
    "status",
    "invited_by",
    "expires_at",
    "accepted_at",
    "accepted_by",
    "revoked_at",
    "revoked_by",
)

CATALOG: tuple[EventType, ...] = (
    EventType("feedback.created", "feedback", Change.CREATED, "A user submitted feedback."),
    EventType("feedback.updated", "feedback", Change.UPDATED, "Feedback changed (status, rating, comment…)."),
    EventType("feedback.deleted", "feedback", Change.DELETED, "Feedback was deleted."),
    EventType("client.created", "client", Change.CREATED, "A client was added.", fields=_CLIENT_FIELDS),
    EventType(
        "client.updated",
        "client",
        Change.UPDATED,
        "A client changed (details, status, pipeline stage).",
        fields=_CLIENT_FIELDS,
        aliases=("client_updated",),
    ),
    EventType(
        "client.deleted", "client", Change.DELETED, "A client was deleted (soft).", fields=_CLIENT_FIELDS
    ),
    EventType(
        "pipeline_stage.created",
        "pipeline_stage",
        Change.CREATED,
        "A pipeline stage was added.",
        fields=_STAGE_FIELDS,
    ),
    EventType(
        "pipeline_stage.updated",
        "pipeline_stage",
        Change.UPDATED,
        "A pipeline stage was renamed, recoloured or moved in the order.",
        fields=_STAGE_FIELDS,
    ),
    EventType(
        "pipeline_stage.deleted",
        "pipeline_stage",
        Change.DELETED,
        "An empty pipeline stage was deleted.",
        fields=_STAGE_FIELDS,
    ),
    EventType(
        "case.created", "case", Change.CREATED, "A case was opened.", fields=_CASE_FIELDS, subject="caseId"
    ),
    EventType(
        "case.updated",
        "case",
        Change.UPDATED,
        "A case changed (details, status, hours, team, its wall).",
        fields=_CASE_FIELDS,
        subject="caseId",
    ),
    EventType(
        "case.deleted",
        "case",
        Change.DELETED,
        "A case was deleted (soft: its history is kept).",
        fields=_CASE_FIELDS,
        subject="caseId",
    ),
    EventType(
        "audit_export.created",
        "audit_export",
        Change.CREATED,
        "An export of the audit trail was requested (its worker starts on this).",
        recipient="requested_by",
    ),
    EventType(
        "audit_export.updated",
        "audit_export",
        Change.UPDATED,
        "An audit export ran or completed (its status, then its size and checksum).",
        recipient="requested_by",
    ),
    EventType("role.created", "role", Change.CREATED, "A custom role was created."),
    EventType(
        "role.updated",
        "role",
        Change.UPDATED,
        "A custom role changed (name, slug, description, permissions).",
    ),
    EventType("role.deleted", "role", Change.DELETED, "A custom role was deleted."),
    EventType(
        "user.updated",
        "user",
        Change.UPDATED,
        "A user changed what the firm sees of them: name, avatar (not their phone, address or preferences).",
        tenant="updated_in_org",
        fields=("first_name", "last_name", "email", "avatar_url"),
    ),
    EventType(
        "member.joined",
        "membership",
        Change.CREATED,
        "Someone became a member of the firm (registered it, was added, or accepted an invitation).",
        fields=_MEMBER_FIELDS,
        recipient="user_id",
    ),
    EventType(
        "member.updated",
        "membership",
        Change.UPDATED,
        "A member's roles or status changed (suspended, reinstated, revoked).",
        fields=_MEMBER_FIELDS,
        recipient="user_id",
    ),
    EventType(
        "member.removed",
        "membership",
        Change.DELETED,
        "A member was removed from the firm (their account stays).",
        fields=_MEMBER_FIELDS,
        recipient="user_id",
    ),
    EventType(
        "invitation.created",
        "invitation",
        Change.CREATED,
        "Someone was invited to the firm with a role.",
        fields=_INVITATION_FIELDS,
        recipient="invited_by",
    ),
    EventType(
        "invitation.updated",
        "invitation",
        Change.UPDATED,
        "An invitation was accepted or withdrawn.",
        fields=_INVITATION_FIELDS,
        recipient="invited_by",
    ),
    EventType(
        "organization.updated",
        "organization",
        Change.UPDATED,
        "The organization's profile, settings or slug changed.",
        tenant="id",
        fields=(
            "name",
            "email",
            "slug",
            "phone",
            "website",
            "address",
            "logo_url",
            "tax_id",
            "description",
            "settings",
            "require_mfa",
        ),
    ),
    EventType(
        "data_export.created",
        "data_export",
        Change.CREATED,
        "A user asked for their personal data (GDPR); the exporter prepares it.",
        fields=_EXPORT_FIELDS,
        recipient="user_id",
    ),
    EventType(
        "data_export.updated",
        "data_export",
        Change.UPDATED,
        "A personal-data export moved on (running, done, failed).",
        fields=_EXPORT_FIELDS,
        recipient="user_id",
    ),
    EventType(
        "task.created",
        "task",
        Change.CREATED,
        "A task was created.",
        fields=_TASK_FIELDS,
        aliases=("task_created",),
    ),
    EventType(
        "task.updated",
        "task",
        Change.UPDATED,
        "A task changed (status, priority, assignee, due date, links).",
        fields=_TASK_FIELDS,
        aliases=("task_updated",),
    ),
    EventType("task.deleted", "task", Change.DELETED, "A task was deleted (soft).", fields=_TASK_FIELDS),
    EventType(
        "dispute.created",
        "dispute",
        Change.CREATED,
        "A dispute was opened (a draft).",
        fields=_DISPUTE_FIELDS,
    ),
    EventType(
        "dispute.updated",
        "dispute",
        Change.UPDATED,
        "A dispute changed (details, or its status: see dispute.status_changed).",
        fields=_DISPUTE_FIELDS,
    ),
    EventType(
        "dispute.deleted",
        "dispute",
        Change.DELETED,
        "A draft dispute was deleted (soft).",
        fields=_DISPUTE_FIELDS,
    ),
    EventType(
        "dispute.status_changed",
        "dispute_transition",
        Change.CREATED,
        "A dispute moved to its next status (sent, investigating, resolved with its outcome).",
        fields=_TRANSITION_FIELDS,
        aliases=("dispute_status_changed",),
    ),
    EventType(
        "calendar_event.created",
        "calendar_event",
        Change.CREATED,
        "An event was scheduled.",
        fields=_EVENT_FIELDS,
    ),
    EventType(
        "calendar_event.updated",
        "calendar_event",
        Change.UPDATED,
        "An event changed (time, attendees, place, links).",
        fields=_EVENT_FIELDS,
    ),
    EventType(
        "calendar_event.deleted",
        "calendar_event",
        Change.DELETED,
        "An event was cancelled (deleted, soft).",
        fields=_EVENT_FIELDS,
    ),
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
