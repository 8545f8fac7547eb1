"""Each function's representative first request, built against the embedded AWS (for `make bench`).

The data a request needs (a session, a feedback item, an organization, an export job, the key set)
is created in the embedded AWS first; the events are real-shaped (the emulator's builders,
`events/*.json`), and a queue consumer's is the message its queue holds once the job's stream
record went through the publisher's mapping and the bus.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from docket.security.principal import Principal
from infra.local import payloads
from infra.tools.coldstart import Scenario

if TYPE_CHECKING:
    from docket.data.models import TableItem

MEMBER = Principal(
    user_id="usr_bench",
    org_id="org_bench",
    permissions=(
        "feedback:*",
        "audit:*",
        "credits:read",
        "clients:read",
        "clients:write",
        "tasks:read",
        "tasks:write",
        "calendar:read",
        "calendar:write",
        "cases:read",
        "cases:write",
    ),
)
#: a platform administrator (seed 002's `/admin`): acts in no firm
ADMIN = Principal(
    user_id="usr_bench_admin",
    org_id="",
    roles=("platform-admin",),
    permissions=("platform:users", "platform:statistics", "platform:logs"),
    platform=True,
)


def _status(expected: int) -> Any:
    return lambda result: isinstance(result, dict) and result.get("statusCode") == expected


def enroll_member() -> None:
    """`MEMBER` as a member of its firm: an account and a membership (the authorizer resolves the
    membership on every request; the audit trail's viewable users read both). Made by whichever
    part of the bench needs it first, once: a membership is created only where none exists."""
    from docket.identity import accounts

    pk, sk = accounts.membership_key(MEMBER.org_id, MEMBER.user_id)
    try:
        accounts.Membership.get(pk, sk, consistent_read=True)
        return
    except accounts.Membership.DoesNotExist:
        pass
    joined = "2026-01-01T00:00:00.000Z"
    accounts.User(
        pk=f"USER#{MEMBER.user_id}",
        sk="META",
        id=MEMBER.user_id,
        email="bench@example.com",
        first_name="Bench",
        last_name="Member",
        created_at=joined,
    ).save()
    accounts.Membership(
        pk=pk, sk=sk, org_id=MEMBER.org_id, user_id=MEMBER.user_id, roles=["staff"], joined_at=joined
    ).save()


def rest_event(
    method: str,
    path: str,
    *,
    principal: Principal | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    return payloads.build_rest_event(
        method=method,
        path=path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query or {},
        body=json.dumps(body).encode() if body is not None else None,
        authorizer={"principalId": principal.user_id, **principal.to_context()} if principal else None,
        source_ip="198.51.100.1",
    )


def queued_event(item: TableItem, queue: str) -> dict[str, Any]:
    """The SQS event the consumer of `queue` (a `topology.QUEUES` name) gets for `item`'s creation:
    its stream record (the item as stored, an INSERT) made into a domain event by the publisher,
    put on the bus, routed by the queue's rule and received from the queue."""
    from docket.aws import client
    from docket.data.models import item_key
    from docket.events import publisher
    from docket.settings import get_settings
    from docket.topology import QUEUES
    from infra.local.aws import queue_name

    stored = client("dynamodb").get_item(
        TableName=get_settings().table_name, Key=item_key(item), ConsistentRead=True
    )["Item"]
    record = {"eventID": uuid.uuid4().hex, "eventName": "INSERT", "dynamodb": {"NewImage": stored}}
    event = publisher.event_from_record(record)
    if event is None:
        raise RuntimeError(f"{type(item).__name__} {item.pk} publishes no event")
    if publisher.publish([(record["eventID"], event)]):
        raise RuntimeError(f"the bus refused {event.name}")
    spec = next(q for q in QUEUES if q.name == queue)
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name(spec))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])
    if not received:
        raise RuntimeError(f"{event.name} did not reach the {queue} queue")
    # the bench hands it to the consumer itself: gone from the queue, as once the mapping handled it
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])
    return {"Records": [payloads.sqs_record(received[0], arn)]}


def cold_start_scenarios(response_url: str) -> dict[str, Scenario]:
    """One scenario per function (`topology.all_function_names()`), in the embedded AWS's account."""
    from docket import clock
    from docket.admin import admins
    from docket.audit import exports
    from docket.audit.schemas import ExportFormat, ExportIn
    from docket.calendar import service as calendar
    from docket.calendar.schemas import EventIn
    from docket.cases import service as cases
    from docket.cases.schemas import CaseIn
    from docket.clients import service as clients
    from docket.clients.schemas import ClientIn
    from docket.credits import reset
    from docket.helpdesk import feedback
    from docket.identity import accounts, sessions
    from docket.privacy import jobs
    from docket.security.tokens import TokenClaims, issue_access_token
    from docket.tasks import service as tasks
    from docket.tasks.schemas import TaskIn
    from docket.topology import SCHEDULES, all_function_names

    item = feedback.submit(MEMBER, feedback.FeedbackIn(feature="Cold start", rating=4))
    client = clients.create(MEMBER, ClientIn(name="Cold Start LLP"))
    task = tasks.create(MEMBER, TaskIn(title="Cold start review"))
    event = calendar.create(
        MEMBER,
        EventIn.model_validate(
            {"title": "Cold start meeting", "start": "2026-01-20T10:00:00Z", "end": "2026-01-20T11:00:00Z"}
        ),
    )
    case = cases.create(MEMBER, CaseIn(title="Cold start matter", client_id=client.id))
    registered = accounts.register(
        organization_name="Bench LLP",
        organization_email="office@bench.example",
        first_name="Ada",
        last_name="Bench",
        email="ada@bench.example",
        password="Bench-Password-2026!",
    )
    owner = Principal(
        user_id=registered.user.id,
        org_id=registered.organization.id,
        permissions=("organizations:manage",),
        roles=("owner",),
    )
    enroll_member()
    tokens = sessions.start(
        user_id=MEMBER.user_id, org_id=MEMBER.org_id, roles=("staff",), permissions=MEMBER.permissions
    )
    protected = rest_event("GET", f"/v1/feedback/{item.id}", principal=None)
    # an hour-long access token: the bench replays the recording for longer than the 15 minutes
    access = issue_access_token(
        TokenClaims(
            user_id=MEMBER.user_id,
            org_id=MEMBER.org_id,
            permissions=MEMBER.permissions,
            session_id=tokens.session_id,
        ),
        ttl_s=3600,
    )
    protected["headers"]["Authorization"] = f"Bearer {access}"
    connect = payloads.build_websocket_event(
        "$connect",
        payloads.new_connection_id(),
        authorizer={"principalId": MEMBER.user_id, **MEMBER.to_context()},
    )
    signing_secret = _setting("DOCKET_SIGNING_KEY_SECRET_ID")
    administrator = replace(
        ADMIN, user_id=admins.create("admin@bench.example", name="Bench Admin", operator="bench").user.id
    )
    # a month of the trail (the writes above are in it), and the owner's personal data
    today = clock.now().date()
    audit_export = exports.request_export(
        MEMBER,
        ExportIn(
            start_date=(today - timedelta(days=30)).isoformat(),
            end_date=today.isoformat(),
            format=ExportFormat.CSV,
        ),
    )
    data_export = jobs.request(owner)
    [credits_reset] = [s for s in SCHEDULES if s.name == reset.JOB]
    scenarios = [
        Scenario("platform", "GET /health", rest_event("GET", "/v1/health", principal=None), _status(200)),
        Scenario(
            "docs", "GET /openapi.json", rest_event("GET", "/v1/openapi.json", principal=None), _status(200)
        ),
        Scenario(
            "auth",
            "POST /auth/refresh (rotate a refresh token)",
            rest_event(
                "POST", "/v1/auth/refresh", principal=None, body={"refreshToken": tokens.refresh_token}
            ),
            _status(200),
        ),
        Scenario(
            "helpdesk",
            "GET /feedback/{id}",
            rest_event("GET", f"/v1/feedback/{item.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "clients",
            "GET /clients/{id}",
            rest_event("GET", f"/v1/clients/{client.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "tasks",
            "GET /tasks/{id}",
            rest_event("GET", f"/v1/tasks/{task.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "calendar",
            "GET /calendar/events/{id}",
            rest_event("GET", f"/v1/calendar/events/{event.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "cases",
            "GET /cases/{id} (with its recent activities)",
            rest_event("GET", f"/v1/cases/{case.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "audit",
            "GET /audit-logs (list, 20)",
            rest_event("GET", "/v1/audit-logs", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "admin",
            "GET /admin/users (platform administrator)",
            rest_event("GET", "/v1/admin/users", principal=administrator),
            _status(200),
        ),
        Scenario(
            "directory",
            "PUT /organizations/me/settings",
            rest_event(
                "PUT",
                "/v1/organizations/me/settings",
                principal=owner,
                body={"settings": {"requireMfa": False}},
            ),
            _status(200),
        ),
        Scenario(
            "authorizer",
            "REST request with a Bearer token",
            payloads.build_authorizer_event(protected),
            lambda result: isinstance(result, dict) and "policyDocument" in result,
        ),
        Scenario("websocket", "$connect", connect, _status(200)),
        Scenario(
            "publisher",
            "one stream record (feedback created)",
            payloads.template("dynamodb_stream.json"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "notifier",
            "one queued domain event (no connection to push to)",
            payloads.template("sqs.json"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "auditexport",
            "one queued audit_export.created (a month of the trail to CSV in S3)",
            queued_event(audit_export, "audit-exports"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "exporter",
            "one queued data_export.created (a personal-data export to S3)",
            queued_event(data_export, "data-exports"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "jobs",
            f"scheduled {credits_reset.name} (pages the platform directory)",
            payloads.schedule_event(credits_reset.name),
            lambda result: isinstance(result, dict) and result.get("done") is True,
        ),
        Scenario(
            "keys",
            "custom resource Create (the key set exists)",
            payloads.custom_resource_event(
                "Create", properties={"SecretId": signing_secret}, response_url=response_url
            ),
            lambda result: isinstance(result, dict) and result.get("Status") == "SUCCESS",
        ),
    ]
    chosen = {s.function: s for s in scenarios}
    missing = set(all_function_names()) - set(chosen)
    if missing:
        raise RuntimeError(f"no cold-start scenario for {sorted(missing)}")
    return {name: chosen[name] for name in all_function_names()}


def _setting(name: str) -> str:
    import os

    return os.environ[name]


def settings_environment() -> dict[str, str]:
    """The deployed functions' settings, as the embedded AWS set them in this process."""
    import os

    from docket.settings import Settings

    names = set(Settings.variable_names().values())
    return {name: value for name, value in os.environ.items() if name in names}
