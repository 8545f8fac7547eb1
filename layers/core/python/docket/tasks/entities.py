"""Tasks and disputes, with the keys that serve their access patterns (docs/access-patterns.md, T1-T8, D1-D5).

Tasks:
- task by id:                    pk = ORG#<org>#TASK#<id>, sk = META
- tasks, newest/oldest first:    gsi1 pk = ORG#<org>#TASKS, sk = <createdAt>#<id>
- tasks by due date:             gsi2 pk = ORG#<org>#TASKS#DUE, sk = <dueDate or ~>#<id> (undated last)
- tasks of an assignee:          gsi3 pk = ORG#<org>#TASKS#ASSIGNEE#<userId>, sk = <createdAt>#<id>
- tasks of a case:               gsi4 pk = ORG#<org>#TASKS#CASE#<caseId>, sk = <createdAt>#<id>
- search by title:               docket.data.search, kind `task`

Disputes:
- dispute by id:                 pk = ORG#<org>#DISPUTE#<id>, sk = META
- its status history:            pk = ORG#<org>#DISPUTE#<id>, sk = TRANSITION#<at>#<n> (one item per move)
- disputes, newest/oldest first: gsi1 pk = ORG#<org>#DISPUTES, sk = <createdAt>#<id>
- disputes of a client:          gsi2 pk = ORG#<org>#DISPUTES#CLIENT#<clientId>, sk = <createdAt>#<id>
- disputes in a status:          gsi3 pk = ORG#<org>#DISPUTES#STATUS#<status>, sk = <createdAt>#<id>
- open investigations by due:    gsi4 pk = ORG#<org>#DISPUTES#DUE, sk = <dueAt>#<id> (sent/investigating only)
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute

from docket.data.models import TenantItem, org_key

TASK_PREFIX = "task"
DISPUTE_PREFIX = "dispute"
TRANSITION_PREFIX = "dtr"
#: sorts a task without a due date after every dated one
NO_DUE_DATE = "~"


class Task(TenantItem, discriminator="task"):
    ID_PREFIX = TASK_PREFIX

    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    #: an ISO date (`2024-01-20`)
    due_date = UnicodeAttribute(null=True)
    client_id = UnicodeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    assigned_to = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    #: the words it is found by (docket.data.search), to rewrite its entries when they change
    search_words = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return f"{org_key(org_id)}#TASK#{entity_id}", "META"

    def keys(self) -> dict[str, str | None]:
        org = org_key(self.org_id)
        pk, sk = self.primary_key(self.org_id, self.id)
        created = f"{self.created_at}#{self.id}"
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org}#TASKS",
            "gsi1sk": created,
            "gsi2pk": f"{org}#TASKS#DUE",
            "gsi2sk": f"{self.due_date or NO_DUE_DATE}#{self.id}",
            "gsi3pk": f"{org}#TASKS#ASSIGNEE#{self.assigned_to}" if self.assigned_to else None,
            "gsi3sk": created if self.assigned_to else None,
            "gsi4pk": f"{org}#TASKS#CASE#{self.case_id}" if self.case_id else None,
            "gsi4sk": created if self.case_id else None,
        }


def dispute_partition(org_id: str, dispute_id: str) -> str:
    return f"{org_key(org_id)}#DISPUTE#{dispute_id}"


class Dispute(TenantItem, discriminator="dispute"):
    ID_PREFIX = DISPUTE_PREFIX

    title = UnicodeAttribute()
    client_id = UnicodeAttribute()
    bureau = UnicodeAttribute(null=True)
    account = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    notes = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    outcome = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    #: the bureau's investigation is due 30 days after the dispute was sent (FCRA § 611)
    due_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return dispute_partition(org_id, entity_id), "META"

    def keys(self) -> dict[str, str | None]:
        org = org_key(self.org_id)
        pk, sk = self.primary_key(self.org_id, self.id)
        created = f"{self.created_at}#{self.id}"
        open_investigation = self.due_at is not None and self.status in ("sent", "investigating")
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org}#DISPUTES",
            "gsi1sk": created,
            "gsi2pk": f"{org}#DISPUTES#CLIENT#{self.client_id}",
            "gsi2sk": created,
            "gsi3pk": f"{org}#DISPUTES#STATUS#{self.status}",
            "gsi3sk": created,
            "gsi4pk": f"{org}#DISPUTES#DUE" if open_investigation else None,
            "gsi4sk": f"{self.due_at}#{self.id}" if open_investigation else None,
        }


class DisputeTransition(TenantItem, discriminator="dispute_transition"):
    """One move of a dispute's status, written in the move's transaction: its history, and the
    stream record that publishes `dispute.status_changed` (seed 004's `dispute_status_changed`)."""

    ID_PREFIX = TRANSITION_PREFIX

    dispute_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    from_status = UnicodeAttribute()
    to_status = UnicodeAttribute()
    outcome = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        return {"pk": dispute_partition(self.org_id, self.dispute_id), "sk": f"TRANSITION#{self.id}"}
