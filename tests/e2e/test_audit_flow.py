"""The audit trail over HTTP on the emulator: seed 001's and seed 004's requests exactly as printed,
and a compliance export from request to download (worker, WebSocket notice, presigned URL) that
matches the entries the API shows, byte for byte; the chain verifies over the API and the command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest

from docket import clock
from docket.audit.exports import CSV_COLUMNS
from docket.data import audit
from docket.data.audit import AuditContext
from docket.events.consumer import idempotency_key
from infra.local.pumps import wait_until
from infra.local.server import Emulator
from tests.e2e.support import Socket
from tests.harness.firms import Firm, create_firm

pytestmark = pytest.mark.e2e

Mailbox = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="module")
def firm(emulator: Emulator, mailbox: Mailbox) -> Iterator[Firm]:
    with httpx.Client(base_url=f"{emulator.base_url}/v1", timeout=30) as client:
        yield create_firm(client, mailbox, "dogwood")


@pytest.fixture(scope="module")
def mailbox(emulator: Emulator) -> Mailbox:  # the module-scoped twin of conftest's `mailbox`
    def read(to: str | None = None) -> list[dict[str, Any]]:
        reply = httpx.get(f"{emulator.base_url}/_local/mail", params={"to": to} if to else None, timeout=10)
        reply.raise_for_status()
        return list(reply.json())

    return read


def bearer(firm: Firm) -> dict[str, str]:
    firm.owner.renew()
    return {"Authorization": f"Bearer {firm.owner.token}"}


def wait_for_export(emulator: Emulator, firm: Firm, export_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def completed() -> bool:
        reply = httpx.get(
            f"{emulator.base_url}/api/v1/compliance/exports/{export_id}", headers=bearer(firm), timeout=10
        )
        assert reply.status_code == 200, reply.text
        found.update(reply.json()["data"])
        return bool(found["status"] == "completed")

    assert wait_until(completed, timeout=30, interval=0.2), found
    return found


# ---------------------------------------------------------------------------------------------
# the seeds' requests, as printed


def test_seed_001_lists_the_audit_logs_as_written(emulator: Emulator, firm: Firm) -> None:
    # Given the firm's trail holds a member's creation (as the members service audits it)
    audit.record(
        org_id=firm.org_id,
        action="user.created",
        entity_type="user",
        entity_id=firm.staff.user_id,
        changes={"after": {"email": firm.staff.email, "roles": ["staff"]}},
        context=AuditContext.of(None),
    )
    # When seed 001's client lists it exactly as the seed writes it (base URL /api/v1)
    reply = httpx.get(
        f"{emulator.base_url}/api/v1/audit-logs?page=1&limit=20&action=user.created",
        headers=bearer(firm),
        timeout=20,
    )
    # Then only that action is listed, paged as asked
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    assert [(e["action"], e["resourceId"]) for e in data["auditLogs"]] == [
        ("user.created", firm.staff.user_id)
    ]
    assert (data["pagination"]["page"], data["pagination"]["limit"]) == (1, 20)


def test_seed_001_stats_viewable_users_and_one_entry_as_written(emulator: Emulator, firm: Firm) -> None:
    base = f"{emulator.base_url}/api/v1"
    stats = httpx.get(f"{base}/audit-logs/stats", headers=bearer(firm), timeout=20)
    assert stats.status_code == 200, stats.text
    assert stats.json()["data"]["total"] >= 1
    assert {"action": "organization.created", "count": 1} in stats.json()["data"]["byAction"]

    viewable = httpx.get(f"{base}/audit-logs/viewable-users", headers=bearer(firm), timeout=20)
    assert viewable.status_code == 200, viewable.text
    assert {u["id"] for u in viewable.json()["data"]["users"]} == {m.user_id for m in firm.members}

    newest = httpx.get(f"{base}/audit-logs", headers=bearer(firm), timeout=20).json()["data"]["auditLogs"][0]
    one = httpx.get(f"{base}/audit-logs/{newest['id']}", headers=bearer(firm), timeout=20)
    assert one.status_code == 200, one.text
    assert one.json()["data"] == newest


def test_seed_004_reads_the_compliance_audit_logs_as_written(emulator: Emulator, firm: Firm) -> None:
    # seed 004 prints the path alone; its client sends its bearer token on every request
    reply = httpx.get(f"{emulator.base_url}/api/v1/compliance/audit-logs", headers=bearer(firm), timeout=20)
    assert reply.status_code == 200, reply.text
    actions = [e["action"] for e in reply.json()["data"]["auditLogs"]]
    assert "organization.created" in actions
    # and its date-range example (trailing slash, snake_case, dates): the firm is younger than 2024
    ranged = httpx.get(
        f"{emulator.base_url}/api/v1/audit-logs/?start_date=2024-01-01&end_date=2024-01-31",
        headers=bearer(firm),
        timeout=20,
    )
    assert ranged.status_code == 200, ranged.text
    assert ranged.json()["data"]["auditLogs"] == []


def test_seed_004_exports_audit_data_as_written(emulator: Emulator, firm: Firm) -> None:
    # When seed 004's client asks for an export exactly as the seed writes it
    reply = httpx.post(
        f"{emulator.base_url}/api/v1/compliance/export-audit-data",
        headers={**bearer(firm), "Content-Type": "application/json"},
        content=b'{\n  "start_date": "2024-01-01T00:00:00Z",\n  "end_date": "2024-01-31T23:59:59Z",\n  "format": "csv"\n}',
        timeout=20,
    )
    # Then it is accepted as a job, which the worker completes: a CSV of January 2024 (nothing yet)
    assert reply.status_code == 202, reply.text
    job = reply.json()["data"]
    assert (job["status"], job["format"], job["startDate"], job["endDate"]) == (
        "queued",
        "csv",
        "2024-01-01T00:00:00.000Z",
        "2024-01-31T23:59:59.000Z",
    )
    assert reply.headers["Location"] == f"/api/v1/compliance/exports/{job['id']}"
    done = wait_for_export(emulator, firm, job["id"])
    content = httpx.get(done["downloadUrl"], timeout=20).content
    assert content.decode() == ",".join(CSV_COLUMNS) + "\r\n"
    assert done["entryCount"] == 0


# ---------------------------------------------------------------------------------------------
# an export end to end


def read_entries(emulator: Emulator, firm: Firm, start: str, end: str) -> list[dict[str, Any]]:
    """Every entry of the range through the API (every page), oldest first."""
    entries: list[dict[str, Any]] = []
    params: dict[str, str] = {"start_date": start, "end_date": end, "limit": "100"}
    while True:
        reply = httpx.get(
            f"{emulator.base_url}/api/v1/compliance/audit-logs",
            params=params,
            headers=bearer(firm),
            timeout=20,
        )
        assert reply.status_code == 200, reply.text
        data = reply.json()["data"]
        entries += data["auditLogs"]
        if not data["pagination"]["hasNext"]:
            return list(reversed(entries))
        params = {**params, "cursor": data["pagination"]["nextCursor"]}


def test_an_export_is_told_to_its_requester_and_downloads_as_the_entries_read_through_the_api(
    emulator: Emulator, firm: Firm, ws_connect: Callable[..., Any]
) -> None:
    api = f"{emulator.base_url}/api/v1"
    today = clock.iso()[:10]
    # Given the firm at work: the owner and a staff member give feedback, the owner edits theirs
    for member, feature in ((firm.owner, "Calendar"), (firm.staff, "Billing")):
        member.renew()
        made = httpx.post(
            f"{api}/feedback", json={"feature": feature, "rating": 4}, headers=member.headers, timeout=20
        )
        assert made.status_code == 201, made.text
    staff_token, _ = firm.staff.new_session()
    with ws_connect(firm.owner.token) as owner_socket, ws_connect(staff_token) as staff_socket:
        owner_socket.ping()
        staff_socket.ping()

        # When the owner requests a JSON export of today
        requested = httpx.post(
            f"{api}/compliance/export-audit-data",
            json={"start_date": today, "end_date": today, "format": "json"},
            headers=bearer(firm),
            timeout=20,
        )
        assert requested.status_code == 202, requested.text
        export_id = requested.json()["data"]["id"]

        # Then the owner's socket is told when it completes
        frame = _completion(owner_socket, export_id)
        assert frame["event"] == "audit_export:updated"
        # and the staff member's is not told anything of it (once the notifier has handled it)
        table = boto3.resource("dynamodb").Table(emulator.settings.table_name)
        key = {"pk": idempotency_key("notifier", frame["eventId"]), "sk": "IDEMPOTENCY"}
        assert wait_until(
            lambda: (
                (table.get_item(Key=key, ConsistentRead=True).get("Item") or {}).get("status") == "COMPLETED"
            )
        )
        assert [f for f in staff_socket.frames_before_pong() if f["type"].startswith("audit_export.")] == []

    # And the file behind the presigned URL is the range's entries as the API shows them
    done = wait_for_export(emulator, firm, export_id)
    assert done["startDate"] == f"{today}T00:00:00.000Z"
    assert done["endDate"] < done["requestedAt"]
    content = httpx.get(done["downloadUrl"], timeout=20).content
    entries = read_entries(emulator, firm, done["startDate"], done["endDate"])
    assert {e["action"] for e in entries} >= {"organization.created", "feedback.created"}
    assert content == json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode()
    assert done["entryCount"] == len(entries)


def _completion(socket: Socket, export_id: str) -> dict[str, Any]:
    while True:
        frame = socket.wait_for("audit_export.updated", timeout=30)
        if frame["entityId"] == export_id and frame["data"]["status"] == "completed":
            return frame


def test_the_chain_verifies_over_the_api_and_the_local_command(emulator: Emulator, firm: Firm) -> None:
    reply = httpx.get(f"{emulator.base_url}/api/v1/audit-logs/verify", headers=bearer(firm), timeout=20)
    assert reply.status_code == 200, reply.text
    report = reply.json()["data"]
    assert (report["valid"], report["complete"]) == (True, True)
    assert report["throughSequence"] == report["headSequence"] >= 3
    # `make audit-verify ORG=…` asks the running emulator the same
    local = httpx.get(f"{emulator.base_url}/_local/audit-verify/{firm.org_id}", timeout=20)
    assert local.status_code == 200, local.text
    assert local.json()["valid"] is True


def test_the_csv_columns_are_the_api_fields() -> None:
    # the CSV export's header is the entry's JSON fields, in order (what a spreadsheet shows)
    header = next(csv.reader(io.StringIO(",".join(CSV_COLUMNS))))
    assert header[:4] == ["id", "sequence", "action", "actorId"]
    assert header[-2:] == ["previousHash", "hash"]
