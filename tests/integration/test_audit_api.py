"""The audit group in process on moto: lists with filters and date ranges (one Query a page), one
entry (one GetItem), statistics, viewable members, the chain's verification, compliance exports."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from pydantic.alias_generators import to_camel

from docket.audit import exports, verify
from docket.data import audit
from docket.events.catalog import DomainEvent
from docket.identity import accounts, roles
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.conftest import TimeTravel
from tests.integration.support import Reply, call

#: entries are read by day and by time: the clock stands still unless a test moves it
pytestmark = pytest.mark.usefixtures("frozen")

OWNER = Principal(user_id="usr_owner", org_id="org_A", permissions=("*",))
MEMBER = Principal(user_id="usr_member", org_id="org_A", permissions=("feedback:read", "feedback:write"))
INTRUDER = Principal(user_id="usr_intruder", org_id="org_B", permissions=("*",))


def get(path: str, principal: Principal = OWNER, **query: str) -> Reply:
    return call("audit", "GET", f"/v1{path}", principal=principal, query=query)


def submit(principal: Principal, feature: str = "Billing") -> str:
    reply = call(
        "helpdesk", "POST", "/v1/feedback", principal=principal, body={"feature": feature, "rating": 4}
    )
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def rate(principal: Principal, feedback_id: str, rating: int) -> None:
    reply = call(
        "helpdesk", "PUT", f"/v1/feedback/{feedback_id}", principal=principal, body={"rating": rating}
    )
    assert reply.status == 200, reply.body


def listed(reply: Reply) -> list[dict[str, Any]]:
    assert reply.status == 200, reply.body
    return list(reply.data["auditLogs"])


@contextmanager
def aws_calls() -> Iterator[Counter[str]]:
    """The AWS operations made inside the block (boto3 and PynamoDB alike)."""
    made: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made[operation] += 1
        return original(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield made
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def three_days(frozen: TimeTravel) -> dict[str, list[str]]:
    """Feedback written on three days by two people: the days' dates → feedback ids."""
    days: dict[str, list[str]] = {}
    for day in range(3):
        date = frozen.now().date().isoformat()
        owner_item = submit(OWNER, f"Owner day {day}")
        member_item = submit(MEMBER, f"Member day {day}")
        rate(OWNER, owner_item, 1)
        days[date] = [owner_item, member_item]
        frozen.forward(days=1)
    return days


def test_seed_filters_page_and_date_ranges_are_one_query_each(aws: Settings, frozen: TimeTravel) -> None:
    # Given three days of activity by the owner and a member
    days = three_days(frozen)
    first, second, third = sorted(days)

    # When the owner lists the trail as seed 001 does: only that action, newest first, counted
    with aws_calls() as made:
        reply = get("/audit-logs", page="1", limit="20", action="feedback.created")
    created = listed(reply)
    assert [e["resourceId"] for e in created] == [
        i for d in sorted(days, reverse=True) for i in reversed(days[d])
    ]
    assert {e["action"] for e in created} == {"feedback.created"}
    assert made["Query"] == 1

    # And by actor, by resource type, and over a range of two days out of three: one Query each
    assert {e["actorId"] for e in listed(get("/audit-logs", userId="usr_member"))} == {"usr_member"}
    assert {e["resourceType"] for e in listed(get("/audit-logs", resourceType="feedback"))} == {"feedback"}
    with aws_calls() as made:
        ranged = listed(get("/audit-logs", startDate=second, endDate=third))
    assert made["Query"] == 1
    assert {e["createdAt"][:10] for e in ranged} == {second, third}
    assert len(ranged) == 6
    # seed 004's snake_case spelling on the compliance route
    snake = listed(get("/compliance/audit-logs", start_date=first, end_date=first, user_id="usr_owner"))
    assert [e["action"] for e in snake] == ["feedback.updated", "feedback.created"]

    # And the whole trail pages by cursor without losing or repeating an entry
    seen: list[int] = []
    query = {"limit": "4"}
    while True:
        reply = get("/audit-logs", **query)
        seen += [e["sequence"] for e in listed(reply)]
        if not reply.data["pagination"]["hasNext"]:
            break
        query = {"limit": "4", "cursor": reply.data["pagination"]["nextCursor"]}
    assert seen == list(range(9, 0, -1))
    # page=1 of the unfiltered trail is counted from the chain head, not by reading every entry
    assert get("/audit-logs", page="1", limit="4").data["pagination"]["total"] == 9


def test_combined_filters_read_one_bounded_query_per_page(aws: Settings, frozen: TimeTravel) -> None:
    three_days(frozen)
    with aws_calls() as made:
        reply = get("/audit-logs", action="feedback.created", userId="usr_member", limit="2")
    assert made["Query"] == 1
    found = listed(reply)
    assert [(e["action"], e["actorId"]) for e in found] == [("feedback.created", "usr_member")] * 2
    rest = listed(
        get(
            "/audit-logs",
            action="feedback.created",
            userId="usr_member",
            cursor=reply.data["pagination"]["nextCursor"],
        )
    )
    assert len(found + rest) == 3
    # a page number would have to read everything before it: refused, the cursor is the way
    refused = get("/audit-logs", action="feedback.created", userId="usr_member", page="2")
    assert refused.status == 400
    assert refused.error["details"][0]["field"] == "page"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"startDate": "yesterday"}, "startDate"),
        ({"endDate": "2024-02-30"}, "endDate"),
        ({"startDate": "0001-01-01T00:00:00+01:00"}, "startDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-01"}, "endDate"),
    ],
)
def test_bad_dates_are_a_400_naming_the_field(aws: Settings, query: dict[str, str], field: str) -> None:
    reply = get("/audit-logs", **query)
    assert reply.status == 400
    assert reply.error["details"][0]["field"] == field


def test_one_entry_by_id_is_one_get_item_and_another_tenants_is_not_found(aws: Settings) -> None:
    submit(OWNER)
    [entry] = listed(get("/audit-logs"))
    with aws_calls() as made:
        reply = get(f"/audit-logs/{entry['id']}")
    assert reply.status == 200
    assert reply.data == entry
    assert reply.headers["ETag"] == '"v1"'
    # (beside the rate limit's UpdateItem every request makes)
    assert (made["GetItem"], made["Query"], made["Scan"]) == (1, 0, 0)
    for principal, entry_id in (
        (INTRUDER, entry["id"]),
        (OWNER, "aud_01JD4S3Q9W6Y2K8T0B5N7R1M3F"),
        (OWNER, "aud_Z"),
    ):
        missing = get(f"/audit-logs/{entry_id}", principal)
        assert (missing.status, missing.error["message"]) == (404, "Audit log not found")


def test_reading_the_trail_needs_audit_read(aws: Settings) -> None:
    submit(MEMBER)
    for path in (
        "/audit-logs",
        "/audit-logs/stats",
        "/audit-logs/viewable-users",
        "/audit-logs/verify",
        "/compliance/audit-logs",
    ):
        reply = get(path, MEMBER)
        assert reply.status == 403, path
    refused = call(
        "audit",
        "POST",
        "/v1/compliance/export-audit-data",
        principal=MEMBER,
        body={"start_date": "2024-01-01", "end_date": "2024-01-02"},
    )
    assert refused.status == 403


def test_stats_count_by_action_actor_and_day_from_the_day_counters(aws: Settings, frozen: TimeTravel) -> None:
    days = three_days(frozen)
    first, _, third = sorted(days)
    with aws_calls() as made:
        reply = get("/audit-logs/stats", startDate=first, endDate=third)
    assert (made["Query"], made["GetItem"], made["Scan"]) == (1, 0, 0)
    stats = reply.data
    assert (stats["startDate"], stats["endDate"], stats["total"]) == (first, third, 9)
    assert stats["byAction"] == [
        {"action": "feedback.created", "count": 6},
        {"action": "feedback.updated", "count": 3},
    ]
    assert stats["byActor"] == [{"userId": "usr_owner", "count": 6}, {"userId": "usr_member", "count": 3}]
    assert [d["count"] for d in stats["byDay"]] == [3, 3, 3]
    # the default period is the last 30 days, today included
    assert get("/audit-logs/stats").data["total"] == 9
    too_long = get("/audit-logs/stats", startDate="2020-01-01", endDate="2024-01-01")
    assert (too_long.status, too_long.error["details"][0]["field"]) == (400, "startDate")


def test_viewable_users_are_the_firms_members_with_names(aws: Settings) -> None:
    done = accounts.register(
        organization_name="Birch LLP",
        organization_email="office@birch.example",
        first_name="Ada",
        last_name="Birch",
        email="ada@birch.example",
        password="Correct-Horse-42",
    )
    owner = Principal(
        user_id=done.user.id, org_id=done.organization.id, roles=(roles.OWNER,), permissions=("*",)
    )
    reply = get("/audit-logs/viewable-users", owner)
    assert reply.status == 200
    assert [(u["id"], u["name"], u["email"], u["roles"]) for u in reply.data["users"]] == [
        (done.user.id, "Ada Birch", "ada@birch.example", ["owner"])
    ]
    # and the firm's trail begins with its creation, by its owner
    [created] = listed(get("/audit-logs", owner))
    assert (created["action"], created["actorId"], created["sequence"]) == (
        "organization.created",
        done.user.id,
        1,
    )


# ---------------------------------------------------------------------------------------------
# the chain


def stored(entry_id: str) -> dict[str, Any]:
    key = audit.key_of("org_A", entry_id)
    assert key is not None
    return {"pk": key[0], "sk": key[1]}


def table(settings: Settings) -> Any:
    return boto3.resource("dynamodb").Table(settings.table_name)


def five_entries() -> list[dict[str, Any]]:
    feedback_id = submit(OWNER)
    for rating in (1, 2, 3, 5):
        rate(OWNER, feedback_id, rating)
    return list(reversed(listed(get("/audit-logs"))))


def report() -> dict[str, Any]:
    reply = get("/audit-logs/verify")
    assert reply.status == 200, reply.body
    return dict(reply.data)


def test_an_intact_chain_verifies(aws: Settings) -> None:
    five_entries()
    assert report() == {
        "valid": True,
        "complete": True,
        "checked": 5,
        "fromSequence": 1,
        "throughSequence": 5,
        "headSequence": 5,
        "headHash": listed(get("/audit-logs"))[0]["hash"],
        "brokenLink": None,
        "nextCursor": None,
    }


def test_an_altered_entry_is_named_by_the_api_and_the_command(
    aws: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a chain of five, and someone with table access who rewrites entry 3's change
    entries = five_entries()
    table(aws).update_item(
        Key=stored(entries[2]["id"]),
        UpdateExpression="SET changes = :c",
        ExpressionAttributeValues={":c": json.dumps({"before": {"rating": 1}, "after": {"rating": 5}})},
    )
    # When the chain is verified, Then the altered entry is the first broken link
    broken = report()["brokenLink"]
    assert (broken["sequence"], broken["entryId"], broken["problem"]) == (
        3,
        entries[2]["id"],
        "hash_mismatch",
    )
    assert broken["found"] == entries[2]["hash"]
    # And the command says the same, and fails
    assert verify.main(["org_A"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["brokenLink"]["entryId"] == entries[2]["id"]


def test_a_deleted_entry_is_named_as_the_gap(aws: Settings) -> None:
    entries = five_entries()
    table(aws).delete_item(Key=stored(entries[1]["id"]))
    found = report()
    assert not found["valid"]
    broken = found["brokenLink"]
    assert (broken["sequence"], broken["entryId"], broken["problem"]) == (2, None, "sequence_gap")
    assert entries[2]["id"] in broken["message"]


def test_deleting_the_newest_entries_is_seen_at_the_head(aws: Settings) -> None:
    entries = five_entries()
    table(aws).delete_item(Key=stored(entries[4]["id"]))
    broken = report()["brokenLink"]
    assert (broken["sequence"], broken["problem"]) == (5, "missing_tail")


def test_a_big_chain_is_verified_in_bounded_calls_with_a_cursor(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    five_entries()
    monkeypatch.setattr(verify, "API_BUDGET", 2)
    checked, cursor, calls = 0, None, 0
    while True:
        reply = get("/audit-logs/verify", **({"cursor": cursor} if cursor else {}))
        calls += 1
        checked += reply.data["checked"]
        assert reply.data["valid"]
        if reply.data["complete"]:
            break
        cursor = reply.data["nextCursor"]
    assert (checked, calls) == (5, 3)
    assert get("/audit-logs/verify", cursor="forged.cursor").status == 400


# ---------------------------------------------------------------------------------------------
# exports


def run_worker(job_id: str, org_id: str = "org_A") -> None:
    exports.handle_event(
        DomainEvent(
            event_id="evt-1",
            name="audit_export.created",
            org_id=org_id,
            entity_type="audit_export",
            entity_id=job_id,
            occurred_at="",
        )
    )


def download(settings: Settings, job: dict[str, Any]) -> bytes:
    key = f"org/org_A/exports/audit/{job['id']}.{job['format']}"
    body: bytes = boto3.client("s3").get_object(Bucket=settings.documents_bucket, Key=key)["Body"].read()
    return body


def expected_csv(entries: list[dict[str, Any]]) -> bytes:
    """The CSV as docs/architecture.md describes it: the API's fields as columns, nulls empty,
    objects as compact JSON (written here independently of the worker)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(entries[0]))
    for entry in entries:
        cells = []
        for value in entry.values():
            if value is None:
                cells.append("")
            elif isinstance(value, dict):
                cells.append(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue().encode()


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_an_export_matches_the_entries_read_through_the_api(
    aws: Settings, frozen: TimeTravel, export_format: str
) -> None:
    # Given three days of activity, and an export of it requested in seed 004's shape
    days = three_days(frozen)
    body = {
        "start_date": f"{min(days)}T00:00:00Z",
        "end_date": f"{max(days)}T23:59:59Z",
        "format": export_format,
    }
    requested = call("audit", "POST", "/v1/compliance/export-audit-data", principal=OWNER, body=body)
    assert requested.status == 202, requested.body
    job = requested.data
    assert (job["status"], job["downloadUrl"]) == ("queued", None)
    assert requested.headers["Location"] == f"/v1/compliance/exports/{job['id']}"

    # When the worker runs it (a later write does not change what it holds)
    submit(OWNER, "After the request")
    run_worker(job["id"])

    # Then the job is completed with a download link, and the file holds exactly the range's
    # entries as the API shows them, oldest first
    done = get(f"/compliance/exports/{job['id']}").data
    assert done["status"] == "completed"
    assert done["downloadUrl"].startswith("http")
    assert done["expiresIn"] == exports.DOWNLOAD_TTL_S
    entries = list(
        reversed(
            listed(
                get(
                    "/compliance/audit-logs",
                    startDate=done["startDate"],
                    endDate=done["endDate"],
                    limit="100",
                )
            )
        )
    )
    assert done["entryCount"] == len(entries) == 9
    content = download(aws, done)
    if export_format == "json":
        assert content == json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode()
    else:
        assert content == expected_csv(entries)
    assert done["sha256"] == hashlib.sha256(content).hexdigest()
    # And the request and the completion are in the trail
    actions = [e["action"] for e in listed(get("/audit-logs", resourceType="audit_export"))]
    assert actions == ["audit.export_completed", "audit.export_requested"]


def test_a_redelivered_export_event_runs_nothing_again(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(OWNER)
    job = call(
        "audit",
        "POST",
        "/v1/compliance/export-audit-data",
        principal=OWNER,
        body={"start_date": "2020-01-01", "end_date": "2030-01-01"},
    )
    assert job.status == 400  # more than a year
    job = call(
        "audit",
        "POST",
        "/v1/compliance/export-audit-data",
        principal=OWNER,
        body={"start_date": "2026-01-01", "end_date": "2026-12-31"},
    )
    assert job.status == 202, job.body
    run_worker(job.data["id"])
    runs: list[str] = []
    monkeypatch.setattr(exports, "run", lambda found: runs.append(found.id))
    run_worker(job.data["id"])
    assert runs == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_date": "2024-02-01", "end_date": "2024-01-01"}, "endDate"),
        ({"start_date": "2024-01-01", "end_date": "soon"}, "endDate"),
        ({"start_date": "2999-01-01", "end_date": "2999-01-02"}, "startDate"),
        ({"start_date": "2024-01-01", "end_date": "2024-01-02", "format": "xml"}, "format"),
        ({"start_date": "2024-01-01", "end_date": "2024-01-02", "orgId": "org_B"}, "orgId"),
    ],
)
def test_a_bad_export_request_is_a_400_and_queues_nothing(
    aws: Settings, body: dict[str, Any], field: str
) -> None:
    reply = call("audit", "POST", "/v1/compliance/export-audit-data", principal=OWNER, body=body)
    assert reply.status == 400, reply.body
    # (named as the caller spelled it, or in the API's camelCase)
    assert field in {to_camel(d["field"]) for d in reply.error["details"]}
    assert get("/compliance/exports").data["exports"] == []


def test_another_tenants_export_is_not_found(aws: Settings) -> None:
    job = call(
        "audit",
        "POST",
        "/v1/compliance/export-audit-data",
        principal=OWNER,
        body={"start_date": "2026-01-01", "end_date": "2026-01-02"},
    ).data
    missing = get(f"/compliance/exports/{job['id']}", INTRUDER)
    assert (missing.status, missing.error["message"]) == (404, "Audit export not found")
    assert get("/compliance/exports", INTRUDER).data["exports"] == []
    assert [j["id"] for j in get("/compliance/exports").data["exports"]] == [job["id"]]
