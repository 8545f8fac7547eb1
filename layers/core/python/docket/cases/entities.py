"""A firm's cases and their activities, with the keys that serve their access patterns.

Access patterns (docs/access-patterns.md, CA1-CA9):
- the case and its activities:   pk = ORG#<org>#CASE#<id>; the case at sk = META, each activity at
                                 sk = ACTIVITY#<createdAt>#<id> — so one Query, newest first, reads
                                 the case then its most recent activities (`META` sorts after them)
- cases, newest/oldest first:    gsi1 pk = ORG#<org>#CASES, sk = <createdAt>#<id>
- cases by title:                gsi2 pk = ORG#<org>#CASES#TITLE, sk = <title, lower case>#<id>
- cases by last update:          gsi3 pk = ORG#<org>#CASES#UPDATED, sk = <updatedAt>#<id>
- cases by priority:             gsi4 pk = ORG#<org>#CASES#PRIORITY, sk = <rank>#<createdAt>#<id>
- search by title or number:     docket.data.search, kind `case`
- the firm's walled cases:       pk = ORG#<org>, sk = WALLS (docket.cases.walls)
- the case number:               docket.data.counters, series CASE (CASE-YYYY-NNN)
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from docket.data.models import TenantItem, org_key
from docket.data.transactions import Transaction
from docket.errors import ValidationFailed

CASE_PREFIX = "case"
ACTIVITY_PREFIX = "activity"
#: sort rank of each priority: the highest sorts last, so newest-first order puts it first
PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "urgent": 4}


def case_partition(org_id: str, case_id: str) -> str:
    return f"{org_key(org_id)}#CASE#{case_id}"


class Case(TenantItem, discriminator="case"):
    ID_PREFIX = CASE_PREFIX

    case_number = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    client_id = UnicodeAttribute()
    assigned_to = UnicodeAttribute(null=True)
    estimated_hours = NumberAttribute(null=True)
    actual_hours = NumberAttribute(default=0)
    billing_rate = NumberAttribute(null=True)
    total_billed = NumberAttribute(default=0)
    tags = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    #: the team: its responsible attorney and members (docket.cases.walls reads them)
    responsible_attorney = UnicodeAttribute(null=True)
    team_members = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    #: behind an ethical wall: only its team and the firm's owners see it
    restricted = BooleanAttribute(default=False)
    search_words = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return case_partition(org_id, entity_id), "META"

    def keys(self) -> dict[str, str | None]:
        org = org_key(self.org_id)
        pk, sk = self.primary_key(self.org_id, self.id)
        created = f"{self.created_at}#{self.id}"
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org}#CASES",
            "gsi1sk": created,
            "gsi2pk": f"{org}#CASES#TITLE",
            "gsi2sk": f"{self.title.lower()}#{self.id}",
            "gsi3pk": f"{org}#CASES#UPDATED",
            "gsi3sk": f"{self.updated_at}#{self.id}",
            "gsi4pk": f"{org}#CASES#PRIORITY",
            "gsi4sk": f"{PRIORITY_RANK[self.priority]}#{created}",
        }

    def team(self) -> frozenset[str]:
        """Who works the case: its responsible attorney, its members and its assignee."""
        people = {self.responsible_attorney, self.assigned_to, *(self.team_members or ())}
        return frozenset(person for person in people if person)


class Activity(TenantItem, discriminator="case_activity"):
    """Something done on a case (a note, a call, time spent…), kept in the case's partition."""

    ID_PREFIX = ACTIVITY_PREFIX

    case_id = UnicodeAttribute()
    activity_type = UnicodeAttribute()
    description = UnicodeAttribute()
    time_spent = NumberAttribute(null=True)
    billable = BooleanAttribute(default=False)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": case_partition(self.org_id, self.case_id),
            "sk": f"{ACTIVITY_SORT}{self.created_at}#{self.id}",
        }


ACTIVITY_SORT = "ACTIVITY#"


def require_case(tx: Transaction, org_id: str, case_id: str, *, field: str = "caseId") -> None:
    """For the domains that link to a case (tasks, calendar events, documents), in their write's
    transaction: `case_id` is a live case of the firm, or the write is a 400 on `field`. (Whether
    the caller may see it is the wall's question, asked before the write.)"""
    pk, sk = Case.primary_key(org_id, case_id)
    case = Case(pk=pk, sk=sk, org_id=org_id, id=case_id)
    live = Case.pk.exists() & Case.deleted_at.does_not_exist()
    no_case = ValidationFailed(
        "No such case", details=[{"field": field, "message": "not a case of this firm"}]
    )
    tx.check(case, live, refusal=no_case)
