"""Every route that returns or touches case-linked data, declared once: the ethical-wall test
(tests/integration/test_case_walls.py) proves an outsider sees none of it. Routes of other
case-linked resources (tasks, calendar events, documents) join this list.

A route is called with `{caseId}`, `{clientId}` and `{search}` filled from the walled case, and
`{taskId}`, `{eventId}` from a task and a calendar event linked to it; an `id` route must answer
404 naming its own resource (`noun`) to an outsider (and less than 300 to the case's team), a
`list` route must not name the case to an outsider (and name it to the team).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CaseLinked:
    function: str
    method: str
    path: str
    #: "id": answers about the case itself (404 to an outsider); "list": may list it (must not)
    kind: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    #: an `id` route's 404 says `<noun> not found`
    noun: str = "Case"

    @property
    def label(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


CASE_LINKED: tuple[CaseLinked, ...] = (
    CaseLinked("cases", "GET", "/v1/cases/{caseId}", "id"),
    CaseLinked("cases", "PUT", "/v1/cases/{caseId}", "id", body={"description": "Seen through the wall"}),
    CaseLinked("cases", "GET", "/v1/cases/{caseId}/activities", "id"),
    CaseLinked(
        "cases", "POST", "/v1/cases/{caseId}/activities", "id", body={"type": "note", "description": "Peek"}
    ),
    CaseLinked("cases", "GET", "/v1/cases/{caseId}/team", "id"),
    CaseLinked("cases", "PUT", "/v1/cases/{caseId}/team", "id", body={"members": []}),
    CaseLinked("cases", "DELETE", "/v1/cases/{caseId}", "id"),
    CaseLinked("cases", "GET", "/v1/cases", "list"),
    CaseLinked("cases", "GET", "/v1/cases", "list", query={"page": "1", "limit": "100"}),
    CaseLinked("cases", "GET", "/v1/cases", "list", query={"search": "{search}"}),
    CaseLinked("cases", "GET", "/v1/cases", "list", query={"clientId": "{clientId}"}),
    CaseLinked("cases", "GET", "/v1/cases", "list", query={"sortBy": "priority", "status": "open"}),
    CaseLinked("clients", "GET", "/v1/clients/{clientId}/cases", "list"),
    CaseLinked("clients", "GET", "/v1/clients/{clientId}/cases", "list", query={"search": "{search}"}),
    CaseLinked("tasks", "GET", "/v1/tasks/{taskId}", "id", noun="Task"),
    CaseLinked("tasks", "PUT", "/v1/tasks/{taskId}", "id", body={"status": "in_progress"}, noun="Task"),
    CaseLinked("tasks", "DELETE", "/v1/tasks/{taskId}", "id", noun="Task"),
    CaseLinked("tasks", "GET", "/v1/tasks", "list"),
    CaseLinked("tasks", "GET", "/v1/tasks", "list", query={"caseId": "{caseId}"}),
    CaseLinked("tasks", "GET", "/v1/tasks", "list", query={"search": "{search}"}),
    CaseLinked("calendar", "GET", "/v1/calendar/events/{eventId}", "id", noun="Event"),
    CaseLinked(
        "calendar", "PUT", "/v1/calendar/events/{eventId}", "id", body={"location": "Peek"}, noun="Event"
    ),
    CaseLinked("calendar", "DELETE", "/v1/calendar/events/{eventId}", "id", noun="Event"),
    CaseLinked("calendar", "GET", "/v1/calendar/events", "list", query={"caseId": "{caseId}"}),
    CaseLinked(
        "calendar", "GET", "/v1/calendar/events", "list", query={"start": "2026-05-01", "end": "2026-06-01"}
    ),
)
