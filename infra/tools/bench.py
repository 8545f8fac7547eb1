"""`make bench`: performance measured in one run on this machine; writes docs/benchmarks.md.

1. Cold starts as Lambda runs them (`coldstart.py`): every function's import and first request in
   fresh interpreters of the runtime's Python, on the layers as built, before and after bytecode,
   against a bare boto3 import + DynamoDB client measured the same way in the same run.
2. The layers' sizes against Lambda's limits.
3. AWS calls per request for each API scenario, counted by a botocore hook around every client
   call made while the request is handled (moto as AWS, handlers in process), and what they cost
   per million requests at list prices (`costs.py`).
4. Warm overhead with AWS answered in process (`warm.py`): Docket against the same routes on a
   bare Powertools resolver and on FastAPI + Mangum.
5. The soak (`infra/tools/soak.py`, also `make soak` alone): 10,000 requests through the emulator
   over HTTP from 8 clients — latency at the start and the end, memory, CPU per request.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from docket.identity import sessions
from docket.process import DEFERRED_IMPORTS
from docket.security.principal import Principal
from infra.local.invoke import LocalContext
from infra.tools import build_layer, coldstart, costs, scenarios, warm
from infra.tools.functions import ROOT, load
from infra.tools.scenarios import ADMIN, MEMBER, rest_event

OUTPUT = ROOT / "docs" / "benchmarks.md"
#: The cold-start goal and acceptance floor, as multiples of the baseline (issue 16).
GOAL, FLOOR = 1.3, 1.5
#: the firm's owner, for the administration routes (roles, members, organizations)
OWNER = Principal(user_id="usr_bench_owner", org_id="org_bench", roles=("owner",), permissions=("*",))


# ---------------------------------------------------------------------------------------------
# AWS calls per request


@dataclass
class Taken:
    calls: Counter[str] = field(default_factory=Counter)
    units: costs.Units = field(default_factory=costs.Units)
    #: items written by each kind of transactional call (a transaction is one call of many items)
    items: Counter[str] = field(default_factory=Counter)


class CallCounter:
    """Counts (service, operation) of every botocore client call (boto3 and PynamoDB alike), and the
    DynamoDB request units each consumes."""

    def __init__(self) -> None:
        self.current: Taken | None = None
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> CallCounter:
        original = BaseClient._make_api_call
        self._original = original
        counter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            response = original(client, operation, params)
            service = client.meta.service_model.service_name
            if counter.current is not None:
                counter.current.calls[f"{service}.{operation}"] += 1
                if operation == "TransactWriteItems":
                    counter.current.items[f"{service}.{operation}"] += len(params.get("TransactItems", ()))
                if service == "dynamodb":
                    counter.current.units.add(costs.dynamodb_units(operation, params, response))
            return response

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    @contextmanager
    def measuring(self) -> Iterator[Taken]:
        self.current = taken = Taken()
        try:
            yield taken
        finally:
            self.current = None


def _invoke(
    function: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    query: dict[str, str] | None = None,
    principal: Principal = MEMBER,
    authorized: bool = True,
) -> dict[str, Any]:
    """`authorized`: the request passed the authorizer (API Gateway adds its context); public routes
    and CORS preflights arrive without one."""
    event = rest_event(
        method, path, principal=principal if authorized else None, body=body, headers=headers, query=query
    )
    response: dict[str, Any] = load(function).handler(event, LocalContext("bench"))
    return response


def _member_token(user_id: str, refs: tuple[str, ...]) -> str:
    """An access token of a member of the bench firm whose membership names `refs` (the authorizer
    resolves the membership on every request)."""
    from docket.identity.accounts import Membership, membership_key

    pk, sk = membership_key(MEMBER.org_id, user_id)
    Membership(
        pk=pk, sk=sk, org_id=MEMBER.org_id, user_id=user_id, roles=list(refs), joined_at="bench"
    ).save()
    return sessions.start(user_id=user_id, org_id=MEMBER.org_id, roles=refs).access_token


def _custom_role() -> str:
    from docket.access.roles import CustomRole
    from docket.ids import new_id

    role = CustomRole(id=new_id("role"), org_id=MEMBER.org_id, number=7, name="Bench", slug="bench")
    role.permissions = ["feedback:read"]
    role.stamp("usr_bench")
    role.save()
    return str(role.id)


def _authorizer_event(token: str) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/feedback",
        "headers": {"Authorization": f"Bearer {token}"},
        "requestContext": {"requestId": "bench"},
    }


def _role_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """`/roles…` as the firm's owner: two custom roles made first (one to read and change, one to delete)."""

    def as_owner(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("directory", method, f"/v1{path}", body, principal=OWNER, query=query)

    def made(name: str) -> str:
        created = as_owner("POST", "/roles", {"name": name, "permissions": ["cases:read"]})()
        return str(json.loads(created["body"])["data"]["id"])

    kept, doomed = made("Bench reader"), made("Bench doomed")
    return [
        ("POST /roles", as_owner("POST", "/roles", {"name": "Bench new", "permissions": ["users.view"]})),
        ("GET /roles (list: 6 system + custom)", as_owner("GET", "/roles")),
        ("GET /roles?includeMemberCounts=true", as_owner("GET", "/roles", includeMemberCounts="true")),
        ("GET /roles/{id}", as_owner("GET", f"/roles/{kept}")),
        ("GET /roles/{number}", as_owner("GET", "/roles/7")),
        ("PUT /roles/{id}", as_owner("PUT", f"/roles/{kept}", {"name": "Bench reader, renamed"})),
        ("DELETE /roles/{id}", as_owner("DELETE", f"/roles/{doomed}")),
        ("GET /roles/permissions", as_owner("GET", "/roles/permissions")),
        ("GET /roles/usage-counts", as_owner("GET", "/roles/usage-counts")),
    ]


def _client_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """`/clients…` and `/pipeline/stages…` as the firm's owner: 30 clients and two stages made first."""

    def as_owner(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("clients", method, f"/v1{path}", body, principal=OWNER, query=query)

    def made(path: str, body: dict[str, Any]) -> str:
        created = as_owner("POST", path, body)()
        return str(json.loads(created["body"])["data"]["id"])

    lead, empty = (
        made("/pipeline/stages", {"name": "Bench lead"}),
        made("/pipeline/stages", {"name": "Bench empty"}),
    )
    kept = made(
        "/clients",
        {"first_name": "John", "last_name": "Bench", "email": "john@bench.example", "stage_id": lead},
    )
    doomed = made("/clients", {"name": "Doomed Bench LLP", "type": "corporate"})
    for number in range(28):
        made("/clients", {"first_name": f"Person{number}", "last_name": "Bench"})
    return [
        (
            "POST /clients",
            as_owner("POST", "/clients", {"first_name": "Jane", "last_name": "Bench", "stage_id": lead}),
        ),
        ("GET /clients/{id}", as_owner("GET", f"/clients/{kept}")),
        ("PUT /clients/{id}", as_owner("PUT", f"/clients/{kept}", {"phone": "+1-555-0100"})),
        (
            "PUT /clients/{id} (move to another stage)",
            as_owner("PUT", f"/clients/{kept}", {"stage_id": empty}),
        ),
        ("DELETE /clients/{id}", as_owner("DELETE", f"/clients/{doomed}")),
        ("GET /clients (list, 20)", as_owner("GET", "/clients")),
        (
            "GET /clients?sortBy=name&page=2 (with total)",
            as_owner("GET", "/clients", sortBy="name", page="2"),
        ),
        ("GET /clients?stageId= (a stage's clients)", as_owner("GET", "/clients", stageId=lead)),
        ("GET /clients?status=inactive (filtered, bounded)", as_owner("GET", "/clients", status="inactive")),
        ("GET /clients?search=john (search page)", as_owner("GET", "/clients", search="john")),
        ("GET /pipeline/stages", as_owner("GET", "/pipeline/stages")),
        ("POST /pipeline/stages", as_owner("POST", "/pipeline/stages", {"name": "Bench won"})),
        (
            "PUT /pipeline/stages/{id} (rename)",
            as_owner("PUT", f"/pipeline/stages/{lead}", {"name": "Bench leads"}),
        ),
    ]


def _task_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """`/tasks…` as an owner of the firm (a caller of its own: the rate limit counts per caller):
    30 tasks (one assigned to the bench member and linked to a client) made first, through the
    service; the bulk calls name 10 tasks each."""
    from docket.clients import service as clients
    from docket.clients.schemas import ClientIn
    from docket.tasks import service as tasks
    from docket.tasks.schemas import TaskIn

    owner = Principal(user_id="usr_bench_tasks", org_id=OWNER.org_id, roles=("owner",), permissions=("*",))

    def as_owner(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("tasks", method, f"/v1{path}", body, principal=owner, query=query)

    def made(**fields: Any) -> str:
        return tasks.create(owner, TaskIn.model_validate(fields)).id

    scenarios.enroll_member()
    client = clients.create(owner, ClientIn(name="Task Bench LLP")).id
    kept = made(title="Review credit report", client_id=client, assigned_to=MEMBER.user_id)
    doomed = made(title="Doomed bench task")
    batch = [made(title=f"Bench task {n}", due_date=f"2026-02-{n + 1:02d}") for n in range(28)]
    return [
        (
            "POST /tasks (client and assignee checked in the transaction)",
            as_owner(
                "POST",
                "/tasks",
                {
                    "title": "Bench task",
                    "priority": "high",
                    "client_id": client,
                    "assigned_to": MEMBER.user_id,
                },
            ),
        ),
        ("GET /tasks/{id}", as_owner("GET", f"/tasks/{kept}")),
        ("PUT /tasks/{id}", as_owner("PUT", f"/tasks/{kept}", {"status": "in_progress"})),
        ("DELETE /tasks/{id}", as_owner("DELETE", f"/tasks/{doomed}")),
        ("GET /tasks (list, 50)", as_owner("GET", "/tasks")),
        (
            "GET /tasks?sortBy=dueDate&page=2&limit=10 (with total)",
            as_owner("GET", "/tasks", sortBy="dueDate", page="2", limit="10"),
        ),
        (
            "GET /tasks?assignedTo= (an assignee's tasks)",
            as_owner("GET", "/tasks", assignedTo=MEMBER.user_id),
        ),
        ("GET /tasks?priority=urgent (filtered, bounded)", as_owner("GET", "/tasks", priority="urgent")),
        ("GET /tasks?search=bench (search page)", as_owner("GET", "/tasks", search="bench")),
        (
            "POST /tasks/bulk-update (10 items)",
            as_owner("POST", "/tasks/bulk-update", [{"id": t, "status": "completed"} for t in batch[:10]]),
        ),
        (
            "POST /tasks/bulk-delete (10 items)",
            as_owner("POST", "/tasks/bulk-delete", {"task_ids": batch[10:20]}),
        ),
    ]


def _case_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """`/cases…` as the firm's owner (no walls read: an owner sees every case) and as a member (the
    walls item's one GetItem): a client, 30 cases, one with 12 activities, one walled, made first."""

    def as_owner(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("cases", method, f"/v1{path}", body, principal=OWNER, query=query)

    def as_member(method: str, path: str, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("cases", method, f"/v1{path}", query=query)

    # made through the services: forty writes over HTTP would meet the write rate limit's burst
    from docket.cases import service as cases
    from docket.cases.schemas import ActivityIn, ActivityType, CaseIn, TeamUpdate
    from docket.clients import service as clients
    from docket.clients.schemas import ClientIn

    client = clients.create(OWNER, ClientIn(name="Case Bench LLP")).id

    def made(title: str, **more: Any) -> str:
        return cases.create(OWNER, CaseIn(title=title, client_id=client, **more)).id

    kept, doomed, walled = (
        made("Bench lease dispute", priority="high"),
        made("Bench doomed"),
        made("Bench walled"),
    )
    cases.update_team(OWNER, walled, TeamUpdate(restricted=True), None)
    for number in range(27):
        made(f"Bench matter {number}")
    for number in range(12):
        cases.add_activity(
            OWNER, kept, ActivityIn(type=ActivityType.NOTE, description=f"Bench note {number}")
        )
    billable = {"type": "time", "description": "Drafting", "timeSpent": 1.5, "billable": True}
    return [
        ("POST /cases", as_owner("POST", "/cases", {"title": "Bench new", "clientId": client})),
        ("GET /cases/{id} (with 10 recent activities)", as_owner("GET", f"/cases/{kept}")),
        ("GET /cases/{id} as a member (the wall from the case itself)", as_member("GET", f"/cases/{kept}")),
        ("PUT /cases/{id}", as_owner("PUT", f"/cases/{kept}", {"status": "in_progress"})),
        ("DELETE /cases/{id}", as_owner("DELETE", f"/cases/{doomed}")),
        ("GET /cases (list, 20)", as_owner("GET", "/cases")),
        ("GET /cases (list, 20, as a member: + the walls item)", as_member("GET", "/cases")),
        (
            "GET /cases?sortBy=priority&page=2 (with total)",
            as_owner("GET", "/cases", sortBy="priority", page="2"),
        ),
        ("GET /cases?clientId= (filtered)", as_owner("GET", "/cases", clientId=client)),
        ("GET /cases?search=lease (search page)", as_owner("GET", "/cases", search="lease")),
        (
            "POST /cases/{id}/activities (note)",
            as_owner("POST", f"/cases/{kept}/activities", {"type": "note", "description": "Bench"}),
        ),
        (
            "POST /cases/{id}/activities (billable time)",
            as_owner("POST", f"/cases/{kept}/activities", billable),
        ),
        ("GET /cases/{id}/activities (20)", as_owner("GET", f"/cases/{kept}/activities")),
        ("GET /cases/{id}/team", as_owner("GET", f"/cases/{kept}/team")),
        ("PUT /cases/{id}/team (wall it)", as_owner("PUT", f"/cases/{kept}/team", {"restricted": True})),
        (
            "GET /clients/{id}/cases",
            lambda: _invoke("clients", "GET", f"/v1/clients/{client}/cases", principal=OWNER),
        ),
    ]


def _calendar_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """`/calendar/events…` as an owner of the firm (a caller of its own): 30 events over a month,
    one of a client with the bench member attending, made first through the service."""
    from docket.calendar import service as calendar
    from docket.calendar.schemas import EventIn
    from docket.clients import service as clients
    from docket.clients.schemas import ClientIn

    owner = Principal(user_id="usr_bench_calendar", org_id=OWNER.org_id, roles=("owner",), permissions=("*",))

    def as_owner(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("calendar", method, f"/v1{path}", body, principal=owner, query=query)

    def made(day: int, **fields: Any) -> str:
        times = {"start": f"2026-03-{day:02d}T10:00:00Z", "end": f"2026-03-{day:02d}T11:00:00Z"}
        return calendar.create(owner, EventIn.model_validate({"title": f"Bench {day}", **times, **fields})).id

    scenarios.enroll_member()
    client = clients.create(owner, ClientIn(name="Calendar Bench LLP")).id
    kept = made(1, clientId=client, attendees=[MEMBER.user_id], type="court_date")
    doomed = made(2)
    for day in range(3, 31):
        made(day, type="deadline" if day % 2 else "meeting")
    meeting = {
        "title": "Bench meeting",
        "start": "2026-04-01T10:00:00Z",
        "end": "2026-04-01T11:00:00Z",
        "clientId": client,
        "attendees": [MEMBER.user_id],
        "reminder": 30,
    }
    return [
        (
            "POST /calendar/events (client and attendee checked in the transaction)",
            as_owner("POST", "/calendar/events", meeting),
        ),
        ("GET /calendar/events/{id}", as_owner("GET", f"/calendar/events/{kept}")),
        ("PUT /calendar/events/{id}", as_owner("PUT", f"/calendar/events/{kept}", {"location": "Court 4"})),
        ("DELETE /calendar/events/{id}", as_owner("DELETE", f"/calendar/events/{doomed}")),
        (
            "GET /calendar/events?start=&end= (a week, key range)",
            as_owner("GET", "/calendar/events", start="2026-03-08", end="2026-03-15"),
        ),
        (
            "GET /calendar/events?type=deadline (a type's, key range)",
            as_owner("GET", "/calendar/events", type="deadline", start="2026-03-01", end="2026-04-01"),
        ),
        ("GET /calendar/events?clientId= (a client's)", as_owner("GET", "/calendar/events", clientId=client)),
    ]


@dataclass(frozen=True)
class CallRow:
    name: str
    taken: Taken
    #: behind the authorizer (its invocation and session read come on top)
    protected: bool


def _protected(rows: list[tuple[str, Callable[[], Any]]]) -> list[tuple[str, bool, Callable[[], Any]]]:
    """Scenarios behind the authorizer (its invocation and read are added to their cost)."""
    return [(name, True, scenario) for name, scenario in rows]


def aws_calls_per_request() -> list[CallRow]:
    rows: list[CallRow] = []
    with CallCounter() as counter:
        created = _invoke(
            "helpdesk", "POST", "/v1/feedback", {"feature": "Warm-up", "rating": 3}
        )  # cold caches
        feedback_id = json.loads(created["body"])["data"]["id"]
        authorizer_event = _authorizer_event(_member_token("usr_bench_staff", ("staff",)))
        custom_role_event = _authorizer_event(_member_token("usr_bench_custom", (_custom_role(),)))
        load("authorizer").handler(authorizer_event, LocalContext("bench"))  # warm: key set cached
        preflight = {"Origin": "https://app.firm.example", "Access-Control-Request-Method": "POST"}
        member_rows, public_member_rows = _member_scenarios()
        scenario_list: list[tuple[str, bool, Callable[[], Any]]] = [
            (
                "authorizer (Bearer token, system role)",
                False,
                lambda: load("authorizer").handler(authorizer_event, LocalContext("bench")),
            ),
            (
                "authorizer (Bearer token, custom role)",
                False,
                lambda: load("authorizer").handler(custom_role_event, LocalContext("bench")),
            ),
            ("GET /health", False, lambda: _invoke("platform", "GET", "/v1/health", authorized=False)),
            (
                "OPTIONS /feedback (CORS preflight)",
                False,
                lambda: _invoke("helpdesk", "OPTIONS", "/v1/feedback", headers=preflight, authorized=False),
            ),
            (
                "GET /openapi.json",
                False,
                lambda: _invoke("docs", "GET", "/v1/openapi.json", authorized=False),
            ),
            (
                "POST /feedback",
                True,
                lambda: _invoke("helpdesk", "POST", "/v1/feedback", {"feature": "B", "rating": 4}),
            ),
            (
                "POST /feedback with Idempotency-Key",
                True,
                lambda: _invoke(
                    "helpdesk",
                    "POST",
                    "/v1/feedback",
                    {"feature": "I", "rating": 4},
                    {"Idempotency-Key": "bench-1"},
                ),
            ),
            ("GET /feedback/{id}", True, lambda: _invoke("helpdesk", "GET", f"/v1/feedback/{feedback_id}")),
            (
                "PUT /feedback/{id}",
                True,
                lambda: _invoke("helpdesk", "PUT", f"/v1/feedback/{feedback_id}", {"rating": 2}),
            ),
            ("GET /feedback (list, 20)", True, lambda: _invoke("helpdesk", "GET", "/v1/feedback")),
            *_protected(_audit_scenarios()),
            *_protected(_role_scenarios()),
            *_protected(_client_scenarios()),
            *_protected(_case_scenarios()),
            *_protected(_directory_scenarios()),
            *_protected(member_rows),
            *public_member_rows,
            *_protected(_credit_and_admin_scenarios()),
            *_protected(_task_scenarios()),
            *_protected(_calendar_scenarios()),
        ]
        for name, protected, scenario in scenario_list:
            with counter.measuring() as taken:
                answer = scenario()
            # a refused request would count the calls of its error path, not of the route's work
            status = answer.get("statusCode") if isinstance(answer, dict) else None
            if isinstance(status, int) and status >= 400:
                raise RuntimeError(f"{name} answered {status}: {answer.get('body', '')[:500]}")
            rows.append(CallRow(name, taken, protected))
    return rows


def _audit_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    # the bench member as a member of its firm, so viewable-users reads a membership and a user
    scenarios.enroll_member()
    listed = json.loads(_invoke("audit", "GET", "/v1/audit-logs")["body"])["data"]["auditLogs"]
    export = {"start_date": "2026-01-01", "end_date": "2026-01-31", "format": "csv"}
    job = json.loads(_invoke("audit", "POST", "/v1/compliance/export-audit-data", export)["body"])["data"]
    return [
        ("GET /audit-logs (list, 20)", lambda: _invoke("audit", "GET", "/v1/audit-logs")),
        (
            "GET /audit-logs?action=&startDate= (index + range)",
            lambda: _invoke(
                "audit",
                "GET",
                "/v1/audit-logs",
                query={"action": "feedback.created", "startDate": "2026-01-01"},
            ),
        ),
        ("GET /audit-logs/{id}", lambda: _invoke("audit", "GET", f"/v1/audit-logs/{listed[0]['id']}")),
        ("GET /audit-logs/stats (30 days)", lambda: _invoke("audit", "GET", "/v1/audit-logs/stats")),
        (
            "GET /audit-logs/viewable-users",
            lambda: _invoke("audit", "GET", "/v1/audit-logs/viewable-users"),
        ),
        (
            "GET /audit-logs/verify (small chain)",
            lambda: _invoke("audit", "GET", "/v1/audit-logs/verify"),
        ),
        (
            "POST /compliance/export-audit-data",
            lambda: _invoke("audit", "POST", "/v1/compliance/export-audit-data", export),
        ),
        (
            "GET /compliance/exports/{id}",
            lambda: _invoke("audit", "GET", f"/v1/compliance/exports/{job['id']}"),
        ),
    ]


def _directory_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """The profile, organization and personal-data routes, as a registered firm owner."""
    from docket.identity import accounts

    done = accounts.register(
        organization_name="Bench LLP",
        organization_email="office@bench.example",
        first_name="Bench",
        last_name="Owner",
        email="owner@bench.example",
        password="Correct-Horse-42",
    )
    owner = Principal(
        user_id=done.user.id,
        org_id=done.organization.id,
        roles=("owner",),
        permissions=("*",),
        session_id=sessions.start(user_id=done.user.id, org_id=done.organization.id).session_id,
    )
    phones = iter(f"+1555010{n:04d}" for n in range(10_000))

    def directory(method: str, path: str, body: Any = None) -> Callable[[], Any]:
        return lambda: _invoke("directory", method, f"/v1{path}", body, principal=owner)

    return [
        ("GET /users/me", directory("GET", "/users/me")),
        ("PUT /users/me (a change)", lambda: directory("PUT", "/users/me", {"phone": next(phones)})()),
        ("PUT /users/me (nothing changes)", directory("PUT", "/users/me", {})),
        ("GET /organizations/me", directory("GET", "/organizations/me")),
        ("PUT /organizations/me", lambda: directory("PUT", "/organizations/me", {"phone": next(phones)})()),
        (
            "PUT /organizations/me/settings",
            directory("PUT", "/organizations/me/settings", {"settings": {"currency": "EUR"}}),
        ),
        ("GET /organizations/me/stats", directory("GET", "/organizations/me/stats")),
        ("GET /organizations (memberships)", directory("GET", "/organizations")),
        ("GET /users/me/download-data (inline)", directory("GET", "/users/me/download-data")),
    ]


def _member_scenarios() -> tuple[
    list[tuple[str, Callable[[], Any]]], list[tuple[str, bool, Callable[[], Any]]]
]:
    """Members and invitations, as the owner of a registered firm of six members: `(protected,
    public)` rows. Every write uses a new address (or alternates the member's role), so each
    measured call does the work its route does for a user."""
    from docket.identity import accounts
    from docket.members import invitations

    done = accounts.register(
        organization_name="Bench Members LLP",
        organization_email="office@members.bench.example",
        first_name="Bench",
        last_name="Partner",
        email="partner@members.bench.example",
        password="Correct-Horse-42",
    )
    owner = Principal(
        user_id=done.user.id,
        org_id=done.organization.id,
        roles=("owner",),
        permissions=("*",),
        session_id=sessions.start(user_id=done.user.id, org_id=done.organization.id).session_id,
    )

    def directory(method: str, path: str, body: Any = None, **query: str) -> Callable[[], Any]:
        return lambda: _invoke("directory", method, f"/v1{path}", body, principal=owner, query=query)

    def member(n: int) -> str:
        body = {"email": f"member{n}@members.bench.example", "name": f"Member {n}", "role": "staff"}
        return str(json.loads(directory("POST", "/users", body)()["body"])["data"]["id"])

    members = [member(n) for n in range(5)]
    addresses = (f"new{n}@members.bench.example" for n in itertools.count())
    roles = itertools.cycle(("paralegal", "staff"))
    token = invitations.invite(owner, "invitee@members.bench.example", "attorney").token

    def add() -> Any:
        return directory(
            "POST", "/users", {"email": next(addresses), "name": "New Member", "role": "staff"}
        )()

    def invite() -> Any:
        return directory("POST", "/invitations", {"email": next(addresses), "roleId": "attorney"})()

    protected = [
        ("GET /users (list, 6 members)", directory("GET", "/users")),
        ("GET /users?search= (filtered in the Query)", directory("GET", "/users", search="member 3")),
        ("GET /users?sortBy=name (one Query, sorted)", directory("GET", "/users", sortBy="name")),
        ("GET /users/{id}", directory("GET", f"/users/{members[0]}")),
        (
            "PUT /users/{id} (a new role)",
            lambda: directory("PUT", f"/users/{members[1]}", {"role": next(roles)})(),
        ),
        ("PUT /users/{id} (nothing changes)", directory("PUT", f"/users/{members[2]}", {"role": "staff"})),
        ("POST /users (new account, welcome mail)", add),
        ("POST /invitations", invite),
        ("GET /invitations (list)", directory("GET", "/invitations")),
    ]
    public = [
        (
            "GET /invitations/token/{token} (public)",
            False,
            lambda: _invoke("directory", "GET", f"/v1/invitations/token/{token}", authorized=False),
        )
    ]
    return protected, public


def _debit() -> None:
    """A research call in miniature: its work item and its debit, one transaction."""
    from docket.credits import ledger
    from docket.credits.usage import UsageKind
    from docket.data.transactions import transaction
    from docket.helpdesk.feedback import Feedback
    from docket.ids import new_id

    work = Feedback(
        id=new_id("fb"),
        org_id=MEMBER.org_id,
        user_id=MEMBER.user_id,
        feature="Research",
        rating=5,
        category="feature",
        priority="low",
        status="new",
    )
    with transaction(MEMBER) as tx:
        tx.save(work)
        ledger.debit(tx, ledger.payer(MEMBER), 5, UsageKind.QA)


def _credit_and_admin_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """Seed 002's credits (the caller's own) and platform administration."""
    _invoke("directory", "GET", "/v1/user/credits")  # the account exists from here on
    _debit()  # and the caller was active today (a debit then records no activity)
    role = "/v1/admin/users/usr_bench/role"
    plans = iter(["pay", "vip"] * 50)
    return [
        ("GET /user/credits", lambda: _invoke("directory", "GET", "/v1/user/credits")),
        ("GET /user/usage (month)", lambda: _invoke("directory", "GET", "/v1/user/usage")),
        ("debit in the work's transaction (service call)", _debit),
        (
            "GET /admin/users (cursor page, 50)",
            lambda: _invoke("admin", "GET", "/v1/admin/users", principal=ADMIN),
        ),
        (
            "GET /admin/users?page=1 (with total)",
            lambda: _invoke("admin", "GET", "/v1/admin/users", principal=ADMIN, query={"page": "1"}),
        ),
        (
            "PUT /admin/users/{id}/role",
            lambda: _invoke("admin", "PUT", role, {"role": next(plans), "reason": "bench"}, principal=ADMIN),
        ),
        (
            "GET /admin/statistics (month)",
            lambda: _invoke("admin", "GET", "/v1/admin/statistics", principal=ADMIN),
        ),
        ("GET /admin/logs", lambda: _invoke("admin", "GET", "/v1/admin/logs", principal=ADMIN)),
    ]


# ---------------------------------------------------------------------------------------------
# the report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _cold_start_section(cold: coldstart.ColdStarts) -> list[str]:
    base = {layout: cold.probed[layout][coldstart.BASELINE] for layout in coldstart.LAYOUTS}
    python = f"Python {cold.python}" + (
        "" if cold.python_is_runtime else " (**not** the runtime's 3.12: none found)"
    )
    noise = max(p.spread for layout in cold.probed.values() for p in layout.values())
    lines = [
        "## Cold starts, as Lambda runs them",
        "",
        f"Each function in a fresh interpreter of {python}, `-s`, `PYTHONDONTWRITEBYTECODE=1`, on a",
        "read-only copy of what ships: the dependencies layer (this CPU's twin of `make layer`'s arm64",
        "build) and the `docket` layer merged into `opt/python`, the function's folder as the task root,",
        "a deployed function's environment (settings, Powertools, Lambda's variables). Timed: the",
        "handler module's import (**init**) and its first invocation on the request named (**first**),",
        "with AWS answered in process from answers recorded once against the embedded AWS (botocore",
        "still builds, signs and parses every call). What Lambda's runtime client imports before the",
        "handler (`json`, `logging`, …) is imported before the clock starts, for every candidate alike.",
        "",
        f"Medians of {cold.runs} interleaved runs; the baseline (`import boto3` + one DynamoDB client,",
        f"measured the same way) took {_ms(base['bytecode'].total)} ms with bytecode and "
        f"{_ms(base['source'].total)} ms without. Noise: the",
        f"widest half-interquartile range of any row was ±{noise * 100:.0f} % of its median (the machine",
        "is shared); the ratios, taken within one run, are what counts.",
        f"Goal: init + first ≤ {GOAL}x the baseline; acceptance floor {FLOOR}x.",
        "",
        "| function | first request | init ms | first ms | x baseline | init + first ms without bytecode | heaviest imports (self ms, summed per package) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, probed in cold.probed["bytecode"].items():
        if name == coldstart.BASELINE:
            continue
        function = name.removesuffix(coldstart.XRAY_SUFFIX)
        scenario = cold.scenarios[function]
        unbuilt = cold.probed["source"].get(name)
        before = f"{_ms(unbuilt.total)} ({unbuilt.total / probed.total:.1f}x slower)" if unbuilt else "-"
        heavy = ", ".join(f"`{pkg}` {ms:.0f}" for pkg, ms in cold.heaviest.get(name, []))
        lines.append(
            f"| `{name}` | {scenario.description} | {_ms(probed.init)} | {_ms(probed.first)} | "
            f"**{cold.ratio('bytecode', name):.2f}** | {before} | {heavy} |"
        )
    baseline_heavy = ", ".join(f"`{pkg}` {ms:.0f}" for pkg, ms in cold.heaviest[coldstart.BASELINE])
    lines += [
        f"| baseline | `import boto3` + a DynamoDB client | {_ms(base['bytecode'].init)} | - | 1.00 | "
        f"{_ms(base['source'].total)} ({base['source'].total / base['bytecode'].total:.1f}x slower) | {baseline_heavy} |",
        "",
    ]
    above_goal = [
        n
        for n in cold.probed["bytecode"]
        if n != coldstart.BASELINE
        and not n.endswith(coldstart.XRAY_SUFFIX)
        and cold.ratio("bytecode", n) > GOAL
    ]
    above_floor = [n for n in above_goal if cold.ratio("bytecode", n) > FLOOR]
    if above_goal:
        lines += [
            f"Above the {GOAL}x goal: {', '.join(f'`{n}`' for n in above_goal)}"
            + (
                f"; above the {FLOOR}x floor: {', '.join(f'`{n}`' for n in above_floor)}"
                if above_floor
                else ""
            )
            + ". What keeps them there is named in the last column: beyond the baseline's own `botocore`",
            "and `urllib3`, it is Powertools (its event handler package loads every resolver, AppSync's",
            "with `asyncio`; its OpenAPI validation), pydantic (its core and the models the first request",
            "builds), PynamoDB, the first AWS call itself (the baseline makes none), and for the functions",
            "that sign or verify tokens `cryptography` and `jwt`: each is used by that first request, so",
            "deferring it would only move its cost. [docs/cold-starts.md](cold-starts.md) says what was",
            "cut and what is left.",
            "",
        ]
    else:
        lines += [f"Every function is within the {GOAL}x goal.", ""]
    lines += [
        f"The `{coldstart.WITH_XRAY_SDK}{coldstart.XRAY_SUFFIX}` row is the same function deployed with",
        "`-c docket:xraySdk=true`: the SDK loads on the first traced invocation.",
        "Deferred imports (never at a handler's module level; `tests/unit/test_cold_imports.py`):",
        ", ".join(f"`{name}` ({why})" for name, why in DEFERRED_IMPORTS.items()) + ".",
        "",
    ]
    if cold.written:
        lines += [f"**The read-only layout gained files while probed:** {', '.join(cold.written[:10])}", ""]
    else:
        lines += ["Nothing was written into the layout while it was probed (no `__pycache__`).", ""]
    return lines


def _sizes_section(cold: coldstart.ColdStarts) -> list[str]:
    lines = [
        "## Layer sizes",
        "",
        f"Lambda allows {build_layer.UNZIPPED_LIMIT_MB} MB unzipped for a function and all its layers, and",
        f"{build_layer.ZIPPED_UPLOAD_LIMIT_MB} MB for a zip uploaded directly. The dependencies layer is",
        "the arm64 build (`.build/layers/deps`).",
        "",
        "| layer | without bytecode (MB unzipped / zipped) | with bytecode (MB unzipped / zipped) | pyc files |",
        "| --- | --- | --- | --- |",
    ]
    for index, name in enumerate(("docket", "dependencies")):
        source, compiled = cold.sizes["source"][index], cold.sizes["bytecode"][index]
        lines.append(
            f"| {name} | {source.unzipped_mb:.1f} / {source.zipped_mb:.1f} | "
            f"{compiled.unzipped_mb:.1f} / {compiled.zipped_mb:.1f} | {compiled.pycs} |"
        )
    total = sum(cold.sizes["bytecode"][i].unzipped_mb for i in (0, 1))
    lines += [
        "",
        f"Both layers together: {total:.1f} MB of the {build_layer.UNZIPPED_LIMIT_MB} MB (a function's own",
        "folder adds a few kB).",
        "",
    ]
    return lines


def _calls_section(rows: list[CallRow], warm_result: warm.WarmResult) -> list[str]:
    authorizer = next(r for r in rows if r.name.startswith("authorizer"))
    own_here_ms = {
        "GET /feedback/{id}": warm_result.medians[warm.DOCKET][warm_result.routes[0]] * 1000,
        "GET /feedback (list, 20)": warm_result.medians[warm.DOCKET][warm_result.routes[1]] * 1000,
        "POST /feedback": warm_result.medians[warm.DOCKET][warm_result.routes[2]] * 1000,
    }
    default_own = own_here_ms["GET /feedback/{id}"]
    lines = [
        "## AWS calls and dollars per request",
        "",
        "Every botocore call made while the handler runs (warm: secrets and clients already cached).",
        "The rate limiter's `UpdateItem` is one per request except where nothing is counted (the health",
        "check; CORS preflights never reach the resolver). The authorizer runs before every protected",
        "request (its cache is off, so revocation is immediate): its invocation and its read of the",
        "session with the membership are added to each protected row's cost.",
        "",
        "A platform administrator's authorizer reads the session alone. The debit is a service call",
        "(no rate limit): its `UpdateItem` is the platform's statistics tally, advanced after the",
        "transaction committed; the admin lists read one Query per shard of the directory (4) or of",
        "the tally (8).",
        "",
        "An audited write is one `TransactWriteItems` of the entity, its audit entry, the",
        "organization's chain head and its day counts (items in brackets), after one consistent",
        '`GetItem` of the head (docs/architecture.md, "The audit chain").',
        "",
        "| scenario | calls | by operation | DynamoDB units (read / write) | $ per million requests |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        calls = row.taken.calls
        detail = (
            ", ".join(
                f"{op} x {n}" + (f" ({row.taken.items[op]} items)" if op in row.taken.items else "")
                for op, n in sorted(calls.items())
            )
            or "none"
        )
        own = own_here_ms.get(row.name, default_own)
        cost = costs.RequestCost(
            invocations=1,
            billed_ms=costs.billed_ms(own, sum(calls.values())),
            units=costs.Units(row.taken.units.read, row.taken.units.write),
            through_api_gateway=not row.name.startswith("authorizer"),
        )
        if row.protected:
            cost.invocations += 1
            cost.billed_ms += costs.billed_ms(default_own, sum(authorizer.taken.calls.values()))
            cost.units.add(authorizer.taken.units)
        total = cost.per_million()["total"]
        lines.append(
            f"| {row.name} | {sum(calls.values())} | {detail} | {cost.units.read:g} / {cost.units.write:g} | "
            f"{total:.2f} |"
        )
    read = next(r for r in rows if r.name == "GET /feedback/{id}")
    example = costs.RequestCost(
        invocations=2,
        billed_ms=costs.billed_ms(own_here_ms["GET /feedback/{id}"], sum(read.taken.calls.values()))
        + costs.billed_ms(default_own, sum(authorizer.taken.calls.values())),
        units=costs.Units(read.taken.units.read + authorizer.taken.units.read, read.taken.units.write),
    ).per_million()
    lines += [
        "",
        f"Prices: {costs.REGION} list prices on {costs.PRICED_ON}, no free tier: API Gateway REST "
        f"${costs.API_GATEWAY_REST_PER_MILLION:.2f} per million requests; Lambda",
        f"${costs.LAMBDA_REQUESTS_PER_MILLION:.2f} per million invocations and ${costs.LAMBDA_ARM64_PER_GB_SECOND} per "
        f"GB-second (arm64, {costs.MEMORY_MB} MB); DynamoDB on-demand",
        f"${costs.DYNAMODB_WRITE_UNITS_PER_MILLION} per million write units and ${costs.DYNAMODB_READ_UNITS_PER_MILLION} "
        "per million read units (a consistent read of ≤ 4 KB is one unit, a transactional write of ≤ 1 KB two).",
        "Billed duration: our in-process time here (the warm benchmark below) divided by the CPU share",
        f"Lambda gives {costs.MEMORY_MB} MB ({costs.CPU_SHARE:.2f} of a vCPU), plus "
        f"{costs.ASSUMED_DYNAMODB_ROUND_TRIP_MS:g} ms per DynamoDB round trip (an assumption), rounded up to the ms.",
        f"Example, `GET /feedback/{{id}}` with its authorizer: API Gateway ${example['API Gateway']:.2f}, Lambda "
        f"${example['Lambda requests'] + example['Lambda duration']:.2f}, DynamoDB ${example['DynamoDB']:.2f} "
        f"= **${example['total']:.2f} per million requests**. API Gateway dominates; the authorizer's",
        "second invocation is the next largest item, the price of immediate revocation.",
        "",
    ]
    return lines


def _warm_section(result: warm.WarmResult) -> list[str]:
    lines = [
        "## Warm overhead, AWS at zero latency",
        "",
        f"The same three routes on four stacks, {result.rounds} interleaved requests each, lower quartiles",
        "(on a shared machine contention only adds time, and more to a stack that hands work between",
        "threads, as Mangum and FastAPI do); AWS",
        "answered in process from a recording (botocore builds, signs and parses each call; no network).",
        "*Overhead* is the time above the service call alone (the domain work, PynamoDB, botocore and",
        "the envelope's JSON with no framework).",
        "",
        "| route | " + " | ".join(f"{name} µs" for name in result.medians) + " |",
        "| --- | " + " | ".join("---" for _ in result.medians) + " |",
    ]
    for route in result.routes:
        lines.append(
            f"| {route} | "
            + " | ".join(f"{result.medians[n][route] * 1e6:.0f}" for n in result.medians)
            + " |"
        )
    lines += [
        "",
        "| route | Docket ÷ FastAPI+Mangum (time) | Docket ÷ bare Powertools (time) | same, rate limit off | Docket overhead µs | rate limit off µs | bare Powertools µs | FastAPI+Mangum µs |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for route in result.routes:
        m = {name: result.medians[name][route] for name in result.medians}
        lines.append(
            f"| {route} | {m[warm.DOCKET] / m[warm.FASTAPI]:.2f} | {m[warm.DOCKET] / m[warm.POWERTOOLS]:.2f} | "
            f"{m[warm.DOCKET_UNLIMITED] / m[warm.POWERTOOLS]:.2f} | "
            f"{result.overhead(warm.DOCKET, route) * 1e6:.0f} | {result.overhead(warm.DOCKET_UNLIMITED, route) * 1e6:.0f} | "
            f"{result.overhead(warm.POWERTOOLS, route) * 1e6:.0f} | {result.overhead(warm.FASTAPI, route) * 1e6:.0f} |"
        )
    lines += [
        "",
        "Goals: ≤ 0.5x FastAPI + Mangum and ≤ 1.2x bare Powertools. What costs what: the rate limit is",
        "one more AWS call per request (its `UpdateItem` through botocore: serialization, SigV4 signing,",
        "parsing), the largest single item of Docket's overhead; the rest is the platform layer (request",
        "state, the guard, CORS and rate-limit headers, the logging and metrics decorators) and",
        "Powertools' response validation of the envelope model. [docs/cold-starts.md](cold-starts.md)",
        "discusses where we land.",
        "",
    ]
    return lines


def run(runs: int, rounds: int) -> str:
    from infra.local.aws import LocalAws

    local = LocalAws.start(rate_limits_enabled=True)
    try:
        with coldstart.custom_resource_answers() as response_url:
            cold = coldstart.measure(
                scenarios.cold_start_scenarios(response_url), scenarios.settings_environment(), runs=runs
            )
        warm_result = warm.measure(rounds)
        calls = aws_calls_per_request()
    finally:
        local.stop()

    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, the tools on Python "
        f"{platform.python_version()}), each table from one run. Absolute times on this shared 2-core",
        "machine are noisy; ratios measured in the same run are what counts. How the numbers came about",
        "and what was done about them: [docs/cold-starts.md](cold-starts.md).",
        "",
    ]
    lines += _cold_start_section(cold)
    lines += _sizes_section(cold)
    lines += _calls_section(calls, warm_result)
    lines += _warm_section(warm_result)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=11, help="fresh interpreters per function and layout")
    parser.add_argument("--rounds", type=int, default=400, help="warm requests per stack and route")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-soak", action="store_true", help="skip the soak (it takes minutes)")
    args = parser.parse_args()
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    report = run(args.runs, args.rounds)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    if not args.no_soak:
        # its own emulator process, after the in-process measurements have released this one's
        from infra.tools import soak

        section = soak.section(soak.measure())
        soak.write_section(section, args.output)
        print(section)


if __name__ == "__main__":
    main()
