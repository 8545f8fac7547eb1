"""Calendar events, with the keys that serve their access patterns (docs/access-patterns.md, E1-E5).

Every list is in start order, so `start`/`end` are a key range of whichever index serves it:
- event by id:              pk = ORG#<org>#EVENT#<id>, sk = META
- events by start:          gsi1 pk = ORG#<org>#EVENTS, sk = <startAt>#<id>
- a case's events:          gsi2 pk = ORG#<org>#EVENTS#CASE#<caseId>, sk = <startAt>#<id>
- a client's events:        gsi3 pk = ORG#<org>#EVENTS#CLIENT#<clientId>, sk = <startAt>#<id>
- events of a type:         gsi4 pk = ORG#<org>#EVENTS#TYPE#<type>, sk = <startAt>#<id>
Times are stored in UTC (`docket.clock.iso`: `2025-01-20T10:00:00.000Z`), so they sort as they fall.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from docket.data.models import TenantItem, org_key

EVENT_PREFIX = "event"


class CalendarEvent(TenantItem, discriminator="calendar_event"):
    ID_PREFIX = EVENT_PREFIX

    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    event_type = UnicodeAttribute()
    start_at = UnicodeAttribute()
    end_at = UnicodeAttribute()
    case_id = UnicodeAttribute(null=True)
    client_id = UnicodeAttribute(null=True)
    location = UnicodeAttribute(null=True)
    attendees = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    #: minutes before the start a reminder is due
    reminder = NumberAttribute(null=True)

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return f"{org_key(org_id)}#EVENT#{entity_id}", "META"

    def keys(self) -> dict[str, str | None]:
        org = org_key(self.org_id)
        pk, sk = self.primary_key(self.org_id, self.id)
        starting = f"{self.start_at}#{self.id}"
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org}#EVENTS",
            "gsi1sk": starting,
            "gsi2pk": f"{org}#EVENTS#CASE#{self.case_id}" if self.case_id else None,
            "gsi2sk": starting if self.case_id else None,
            "gsi3pk": f"{org}#EVENTS#CLIENT#{self.client_id}" if self.client_id else None,
            "gsi3sk": starting if self.client_id else None,
            "gsi4pk": f"{org}#EVENTS#TYPE#{self.event_type}",
            "gsi4sk": starting,
        }
