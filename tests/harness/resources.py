"""What each path parameter of the API names, declared once for every harness: how a firm member
creates one, how its creator sees it (to tell whether anyone changed it), and where it is listed.

A route whose path parameter is not declared here fails the isolation suite until it is: the
harnesses cannot reach a route's logic without a real id.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from docket import clock
from tests.harness.firms import INVITED, Firm, Item, Member, log_in, pages


@dataclass(frozen=True)
class View:
    """A resource as its creator reads it: the answer's status, data and ETag."""

    status: int
    data: Any
    etag: str | None


@dataclass(frozen=True)
class Resource:
    parameter: str
    #: the function's 404 for an id it does not know says `<noun> not found`
    noun: str
    #: the roles of the firm members who create one each (its creator can read and change it)
    creators: tuple[str, ...]
    create: Callable[[httpx.Client, Member], str]
    view: Callable[[httpx.Client, Member, str], View]
    #: the list route that shows the firm's resources of this kind, if any
    listed_at: str | None = None


def _created(reply: httpx.Response) -> str:
    assert reply.status_code == 201, reply.text
    return str(reply.json()["data"]["id"])


def _listed(
    api: httpx.Client, path: str, member: Member, key: str, item_id: str, query: dict[str, str] | None = None
) -> View:
    found = [
        entry
        for reply in pages(api, path, member.headers, query)
        for entry in reply.json()["data"][key]
        if entry["id"] == item_id
    ]
    return View(200 if found else 404, found[0] if found else None, None)


def _feedback(api: httpx.Client, member: Member) -> str:
    body = {"feature": f"Harness {member.role}", "rating": 3, "comment": "first impressions"}
    return _created(api.post("/feedback", json=body, headers=member.headers))


def _feedback_view(api: httpx.Client, member: Member, item_id: str) -> View:
    reply = api.get(f"/feedback/{item_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _api_key(api: httpx.Client, member: Member) -> str:
    body = {"name": f"Harness {member.role}", "permissions": ["feedback:read"]}
    return _created(api.post("/auth/api-keys", json=body, headers=member.headers))


def _role(api: httpx.Client, member: Member) -> str:
    # a custom role of the firm (its own id: `role_…`), within what the creator may grant
    body = {"name": f"Harness {member.role} role", "permissions": ["feedback.view", "cases:read"]}
    return _created(api.post("/roles", json=body, headers=member.headers))


def _role_view(api: httpx.Client, member: Member, role_id: str) -> View:
    reply = api.get(f"/roles/{role_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _account(api: httpx.Client, member: Member) -> str:
    # a firm's user is the member themselves (platform administrators reach them by id)
    return member.user_id


def _account_view(api: httpx.Client, member: Member, user_id: str) -> View:
    # what a user sees of what platform administrators change about them: their plan and credits
    reply = api.get("/user/credits", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, None)


def _session(api: httpx.Client, member: Member) -> str:
    # another sign-in of the member: a session that is not the one the member's token belongs to
    return log_in(api, member.email, member.org_id)[1]


def _audit_log(api: httpx.Client, member: Member) -> str:
    """An entry of the member's own doing: the feedback they submit is audited."""
    feedback_id = _feedback(api, member)
    reply = api.get(
        "/audit-logs", params={"action": "feedback.created", "limit": 100}, headers=member.headers
    )
    assert reply.status_code == 200, reply.text
    [entry] = [e for e in reply.json()["data"]["auditLogs"] if e["resourceId"] == feedback_id]
    return str(entry["id"])


def _audit_log_view(api: httpx.Client, member: Member, entry_id: str) -> View:
    reply = api.get(f"/audit-logs/{entry_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _unique_email(member: Member, what: str) -> str:
    return f"{what}-{member.role}-{secrets.token_hex(4)}@harness.example"


def _added_member(api: httpx.Client, member: Member) -> str:
    # an administrator adds a member (seed 000's POST /users): a new account, the firm's alone
    body = {"email": _unique_email(member, "added"), "name": "Added Member", "role": "staff"}
    return _created(api.post("/users", json=body, headers=member.headers))


def _member_view(api: httpx.Client, member: Member, user_id: str) -> View:
    reply = api.get(f"/users/{user_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _audit_export(api: httpx.Client, member: Member) -> str:
    """An export of today's trail, waited for: a job still running would change under the checks."""
    today = clock.iso()[:10]
    body = {"startDate": today, "endDate": today, "format": "csv"}
    reply = api.post("/compliance/export-audit-data", json=body, headers=member.headers)
    assert reply.status_code == 202, reply.text
    export_id = str(reply.json()["data"]["id"])
    status = ""
    for _ in range(300):
        status = _audit_export_view(api, member, export_id).data["status"]
        if status == "completed":
            return export_id
        time.sleep(0.1)
    raise AssertionError(f"audit export {export_id} still {status}")


def _audit_export_view(api: httpx.Client, member: Member, export_id: str) -> View:
    reply = api.get(f"/compliance/exports/{export_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    if data is not None:
        data = {**data, "downloadUrl": bool(data["downloadUrl"])}  # signed anew on every read
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _data_export(api: httpx.Client, member: Member) -> str:
    # a personal-data export prepared by the exporter (asked for asynchronously), waited for until
    # it is done, so that what its creator sees of it no longer changes by itself
    headers = {**member.headers, "Prefer": "respond-async"}
    reply = api.get("/users/me/download-data", headers=headers)
    assert reply.status_code == 202, reply.text
    export_id = str(reply.json()["data"]["id"])
    for _ in range(300):
        status = api.get(f"/users/me/download-data/{export_id}", headers=member.headers).json()["data"]
        if status["status"] in ("done", "failed"):
            assert status["status"] == "done", status
            return export_id
        time.sleep(0.1)
    raise AssertionError(f"the export {export_id} was not prepared in 30 s")


def _data_export_view(api: httpx.Client, member: Member, export_id: str) -> View:
    reply = api.get(f"/users/me/download-data/{export_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    if data is not None:
        # a presigned URL is signed anew at every read
        data = {k: v for k, v in data.items() if k != "downloadUrl"}
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _invitation(api: httpx.Client, member: Member) -> str:
    body = {"email": _unique_email(member, "invited"), "roleId": "staff"}
    return _created(api.post("/invitations", json=body, headers=member.headers))


def _invitation_token(api: httpx.Client, member: Member) -> str:
    # an invitation's token exists only in the invitee's mail (the local mailbox)
    email = _unique_email(member, "tokened")
    sent = api.post("/invitations", json={"email": email, "roleId": "staff"}, headers=member.headers)
    assert sent.status_code == 201, sent.text
    mail = httpx.get(str(api.base_url.copy_with(path="/_local/mail")), params={"to": email}, timeout=10)
    [found] = [m for m in mail.json() if m["subject"].startswith(INVITED)]
    token = re.search(r"/invitations/token/([A-Za-z0-9_\-]+)", found["text"])
    assert token, found["text"]
    return token.group(1)


def _token_view(api: httpx.Client, member: Member, token: str) -> View:
    reply = api.get(f"/invitations/token/{token}")
    return View(reply.status_code, reply.json().get("data") if reply.status_code == 200 else None, None)


def _client(api: httpx.Client, member: Member) -> str:
    body = {
        "name": f"Harness {member.role} client",
        "email": _unique_email(member, "client"),
        "type": "individual",
    }
    return _created(api.post("/clients", json=body, headers=member.headers))


def _client_view(api: httpx.Client, member: Member, client_id: str) -> View:
    reply = api.get(f"/clients/{client_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _stage(api: httpx.Client, member: Member) -> str:
    body = {"name": f"Harness {member.role} stage {secrets.token_hex(2)}"}
    return _created(api.post("/pipeline/stages", json=body, headers=member.headers))


def _stage_view(api: httpx.Client, member: Member, stage_id: str) -> View:
    reply = api.get(f"/pipeline/stages/{stage_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    if data is not None:
        # another stage's create or delete moves this one's position (the pipeline is one order)
        data = {k: v for k, v in data.items() if k not in ("position", "updatedAt", "version")}
    return View(reply.status_code, data, None)


def _task(api: httpx.Client, member: Member) -> str:
    body = {"title": f"Harness {member.role} task", "priority": "high", "due_date": "2026-03-01"}
    return _created(api.post("/tasks", json=body, headers=member.headers))


def _task_view(api: httpx.Client, member: Member, task_id: str) -> View:
    reply = api.get(f"/tasks/{task_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _dispute(api: httpx.Client, member: Member) -> str:
    # a draft dispute of a client of the firm's own
    body = {
        "title": f"Harness {member.role} dispute",
        "client_id": _client(api, member),
        "bureau": "experian",
    }
    return _created(api.post("/disputes", json=body, headers=member.headers))


def _dispute_view(api: httpx.Client, member: Member, dispute_id: str) -> View:
    reply = api.get(f"/disputes/{dispute_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _event(api: httpx.Client, member: Member) -> str:
    body = {
        "title": f"Harness {member.role} meeting",
        "start": "2026-05-04T09:00:00Z",
        "end": "2026-05-04T10:00:00Z",
        "type": "meeting",
        "attendees": [member.user_id],
    }
    return _created(api.post("/calendar/events", json=body, headers=member.headers))


def _event_view(api: httpx.Client, member: Member, event_id: str) -> View:
    reply = api.get(f"/calendar/events/{event_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


def _case(api: httpx.Client, member: Member) -> str:
    body = {"title": f"Harness {member.role} case {secrets.token_hex(2)}", "clientId": _client(api, member)}
    return _created(api.post("/cases", json=body, headers=member.headers))


def _case_view(api: httpx.Client, member: Member, case_id: str) -> View:
    reply = api.get(f"/cases/{case_id}", headers=member.headers)
    data = reply.json().get("data") if reply.status_code == 200 else None
    return View(reply.status_code, data, reply.headers.get("ETag"))


_DECLARED: tuple[Resource, ...] = (
    Resource(
        "feedbackId",
        "Feedback",
        creators=("owner", "staff"),
        create=_feedback,
        view=_feedback_view,
        listed_at="/feedback",
    ),
    Resource(
        "keyId",
        "API key",
        creators=("owner",),
        create=_api_key,
        view=lambda api, member, key_id: _listed(api, "/auth/api-keys", member, "apiKeys", key_id),
        listed_at="/auth/api-keys",
    ),
    Resource(
        "accountId", "Platform account", creators=("owner", "staff"), create=_account, view=_account_view
    ),
    Resource(
        "roleId",
        "Role",
        creators=("owner",),
        create=_role,
        view=_role_view,
        listed_at="/roles",
    ),
    Resource(
        "sessionId",
        "Session",
        creators=("owner", "staff"),
        create=_session,
        view=lambda api, member, session_id: _listed(
            api, "/auth/sessions", member, "sessions", session_id, {"status": "all"}
        ),
        listed_at="/auth/sessions",
    ),
    Resource(
        "auditLogId",
        "Audit log",
        creators=("owner",),
        create=_audit_log,
        view=_audit_log_view,
        listed_at="/audit-logs",
    ),
    Resource(
        "exportId",
        "Audit export",
        creators=("owner",),
        create=_audit_export,
        view=_audit_export_view,
        listed_at="/compliance/exports",
    ),
    Resource(
        "dataExportId",
        "Data export",
        creators=("owner", "staff"),
        create=_data_export,
        view=_data_export_view,
    ),
    Resource(
        "userId",
        "User",
        creators=("owner",),
        create=_added_member,
        view=_member_view,
        listed_at="/users",
    ),
    Resource(
        "invitationId",
        "Invitation",
        creators=("owner",),
        create=_invitation,
        view=lambda api, member, invitation_id: _listed(
            api, "/invitations", member, "invitations", invitation_id
        ),
        listed_at="/invitations",
    ),
    Resource(
        "clientId",
        "Client",
        creators=("owner",),
        create=_client,
        view=_client_view,
        listed_at="/clients",
    ),
    Resource(
        "stageId",
        "Pipeline stage",
        creators=("owner",),
        create=_stage,
        view=_stage_view,
        listed_at="/pipeline/stages",
    ),
    Resource(
        "taskId",
        "Task",
        creators=("owner",),
        create=_task,
        view=_task_view,
        listed_at="/tasks",
    ),
    Resource(
        "disputeId",
        "Dispute",
        creators=("owner",),
        create=_dispute,
        view=_dispute_view,
        listed_at="/disputes",
    ),
    Resource(
        "eventId",
        "Event",
        creators=("owner",),
        create=_event,
        view=_event_view,
        listed_at="/calendar/events",
    ),
    Resource(
        "caseId",
        "Case",
        creators=("owner",),
        create=_case,
        view=_case_view,
        listed_at="/cases",
    ),
    Resource(
        # a bearer secret, not an id: whoever holds it sees what it opens, and nothing of anyone else's
        "token",
        "Invitation",
        creators=("owner",),
        create=_invitation_token,
        view=_token_view,
    ),
)
RESOURCES: dict[str, Resource] = {resource.parameter: resource for resource in _DECLARED}
# one parameter, one resource: a second declaration would silently replace the first's factory
assert len(RESOURCES) == len(_DECLARED), sorted(r.parameter for r in _DECLARED)


def create_item(api: httpx.Client, firm: Firm, parameter: str, member: Member) -> Item:
    member.renew()
    item = Item(parameter, RESOURCES[parameter].create(api, member), member)
    firm.items.append(item)
    return item


def furnish(api: httpx.Client, firm: Firm) -> Firm:
    """Give the firm one resource of every kind per creator role."""
    for resource in RESOURCES.values():
        for role in resource.creators:
            create_item(api, firm, resource.parameter, firm.member_with_role(role))
    return firm


def view(api: httpx.Client, item: Item) -> View:
    return RESOURCES[item.parameter].view(api, item.by, item.id)
