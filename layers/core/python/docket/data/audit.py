"""Audit entries: who did what to which entity, written in the same transaction as the change.

Entries are partitioned by tenant and day (`ORG#<org>#AUDIT#<yyyy-mm-dd>`), so a busy tenant's
audit trail spreads over partitions instead of heating one; GSI1 lists an actor's entries.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from docket import clock
from docket.data.models import TableItem, org_key
from docket.ids import new_id


class AuditEntry(TableItem, discriminator="audit"):
    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    action = UnicodeAttribute()
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    changes = JSONAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def audit_partition(org_id: str, day: str) -> str:
    return f"{org_key(org_id)}#AUDIT#{day}"


def actor_partition(org_id: str, actor_id: str) -> str:
    """GSI1 partition of an actor's entries in an organization's trail."""
    return f"{org_key(org_id)}#AUDITBY#{actor_id}"


def entry(
    *,
    org_id: str,
    actor_id: str,
    action: str,
    entity_type: str,
    entity_id: str,
    changes: dict[str, Any],
    request_id: str,
) -> AuditEntry:
    now = clock.iso()
    entry_id = new_id("aud")
    return AuditEntry(
        pk=audit_partition(org_id, now[:10]),
        sk=f"{now}#{entry_id}",
        gsi1pk=actor_partition(org_id, actor_id),
        gsi1sk=f"{now}#{entry_id}",
        id=entry_id,
        org_id=org_id,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes,
        request_id=request_id or None,
        created_at=now,
    )


def record(
    *,
    org_id: str,
    actor_id: str,
    action: str,
    entity_type: str,
    entity_id: str,
    changes: dict[str, Any] | None = None,
    request_id: str = "",
) -> AuditEntry:
    """An audit entry on its own, for events that write nothing else (a login, a failed login)."""
    written = entry(
        org_id=org_id,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes or {},
        request_id=request_id,
    )
    written.save()
    return written
