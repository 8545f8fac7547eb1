"""Credit disputes (seed 004): a client's dispute of an account with a bureau, moved through its
statuses draft → sent → investigating → resolved.

A move is one `TransactWriteItems`: the dispute (its version the condition), a `DisputeTransition`
item in the dispute's partition (its history, and the stream record that publishes
`dispute.status_changed`, seed 004's `dispute_status_changed`), and two audit entries
(`dispute.updated` with the diff, `dispute.status_changed` with the move). Sending a dispute sets
`sentAt` and the bureau's investigation due date, 30 days later (FCRA § 611(a)(1)); resolving it
needs its `outcome`. Any other move is a 409 that lists the one allowed.

`GET /disputes/{id}` is one Query of the dispute's partition: the dispute and its history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from docket import clock
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_window
from docket.clients import service as clients
from docket.data import entities
from docket.data.changes import Changes, diff
from docket.data.listing import Listing, Narrowed, Order
from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction
from docket.errors import Conflict, NotFound, ValidationFailed
from docket.ids import is_id, new_id
from docket.security import permissions
from docket.security.principal import Principal
from docket.tasks.entities import Dispute, DisputeTransition, dispute_partition
from docket.tasks.schemas import (
    Bureau,
    DisputeDetail,
    DisputeIn,
    DisputeOut,
    DisputeOutcome,
    DisputeStatus,
    DisputeUpdate,
    TransitionOut,
)

READ = permissions.DISPUTES_READ
WRITE = permissions.DISPUTES_WRITE
DELETE = permissions.DISPUTES_DELETE
WHAT = "Dispute"
#: how long a bureau has to investigate a dispute once it receives it
INVESTIGATION_DAYS = 30
#: the one status each status may move to
NEXT: dict[str, str] = {
    DisputeStatus.DRAFT.value: DisputeStatus.SENT.value,
    DisputeStatus.SENT.value: DisputeStatus.INVESTIGATING.value,
    DisputeStatus.INVESTIGATING.value: DisputeStatus.RESOLVED.value,
}


class IllegalTransition(Conflict):
    code = "INVALID_TRANSITION"
    default_message = "A dispute moves draft → sent → investigating → resolved, one step at a time"


class DisputeNotDraft(Conflict):
    default_message = "Only a draft dispute can be deleted: a sent dispute is part of the client's record"


LISTING: Listing[Dispute] = Listing(
    Dispute,
    orders={"createdAt": Order(Dispute.gsi1, lambda org: f"{org_key(org)}#DISPUTES")},
    filters={"bureau": "bureau"},
    narrowed={
        "clientId": Narrowed(
            Dispute.gsi2,
            "createdAt",
            lambda org, client: f"{org_key(org)}#DISPUTES#CLIENT#{client}",
            "client_id",
        ),
        "status": Narrowed(
            Dispute.gsi3,
            "createdAt",
            lambda org, status: f"{org_key(org)}#DISPUTES#STATUS#{status}",
            "status",
        ),
    },
    aliases={"created_at": "createdAt", "created": "createdAt"},
)


# --- presenting --------------------------------------------------------------------------------


def present(item: Dispute) -> DisputeOut:
    return DisputeOut(
        id=item.id,
        title=item.title,
        client_id=item.client_id,
        bureau=Bureau(item.bureau) if item.bureau else None,
        account=item.account,
        reason=item.reason,
        notes=item.notes,
        status=DisputeStatus(item.status),
        outcome=DisputeOutcome(item.outcome) if item.outcome else None,
        sent_at=item.sent_at,
        due_at=item.due_at,
        resolved_at=item.resolved_at,
        tenant_id=item.org_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def present_transition(item: DisputeTransition) -> TransitionOut:
    return TransitionOut(
        id=item.id,
        from_status=DisputeStatus(item.from_status),
        to_status=DisputeStatus(item.to_status),
        outcome=DisputeOutcome(item.outcome) if item.outcome else None,
        note=item.note,
        changed_by=item.created_by,
        changed_at=item.created_at,
    )


def present_detail(item: Dispute, history: list[DisputeTransition]) -> DisputeDetail:
    return DisputeDetail(**present(item).model_dump(), history=[present_transition(t) for t in history])


# --- writes --------------------------------------------------------------------------------------


def create(principal: Principal, data: DisputeIn) -> Dispute:
    """A new dispute, a draft, for a live client of the firm (checked in its transaction)."""
    principal.require(WRITE)
    item = Dispute(
        id=new_id(Dispute.ID_PREFIX),
        org_id=principal.org_id,
        title=data.title,
        client_id=data.client_id,
        bureau=data.bureau.value if data.bureau else None,
        account=data.account,
        reason=data.reason,
        notes=data.notes,
        status=DisputeStatus.DRAFT.value,
    )

    def also(tx: Transaction) -> None:
        clients.require_client(tx, item.org_id, item.client_id)

    return entities.create(principal, item, action="dispute.created", also=also)


def _move(item: Dispute, data: DisputeUpdate) -> dict[str, Any]:
    """The attributes a requested status (and outcome) sets, or the 400/409 that refuses it."""
    wanted = data.status.value if data.status is not None else item.status
    if data.outcome is not None and wanted != DisputeStatus.RESOLVED.value:
        raise ValidationFailed(
            "An outcome is given when the dispute is resolved",
            details=[{"field": "outcome", "message": "only with status resolved"}],
        )
    if wanted == item.status:
        if data.outcome is not None and data.outcome.value != item.outcome:
            raise IllegalTransition(
                "This dispute is resolved already; its outcome does not change",
                details=[{"field": "outcome", "message": f"resolved as {item.outcome}"}],
            )
        return {}
    allowed = NEXT.get(item.status)
    if wanted != allowed:
        raise IllegalTransition(
            details=[
                {
                    "field": "status",
                    "message": f"{item.status} → {wanted} is not allowed"
                    + (f"; next is {allowed}" if allowed else "; a resolved dispute stays resolved"),
                }
            ]
        )
    now = clock.now()
    if wanted == DisputeStatus.SENT.value:
        due = now + timedelta(days=INVESTIGATION_DAYS)
        return {"status": wanted, "sent_at": clock.iso(now), "due_at": clock.iso(due)}
    if wanted == DisputeStatus.RESOLVED.value:
        if data.outcome is None:
            raise ValidationFailed(
                "Resolving a dispute needs its outcome",
                details=[{"field": "outcome", "message": "one of deleted, updated, verified, no_change"}],
            )
        return {"status": wanted, "outcome": data.outcome.value, "resolved_at": clock.iso(now)}
    return {"status": wanted}


def update(principal: Principal, dispute_id: str, data: DisputeUpdate, if_match: str | None) -> Dispute:
    """Change details and/or move the status one step; a PUT that changes nothing keeps the version."""
    principal.require(WRITE)
    item = entities.fetch(Dispute, principal.org_id, dispute_id, what=WHAT)
    concurrency.check(if_match, item.version)
    details = data.model_dump(exclude_unset=True, by_alias=False, exclude={"status", "outcome", "note"})
    moved = _move(item, data)
    changes = diff(item, {**details, **moved})
    if not changes:
        return item
    before = item.status
    transition: DisputeTransition | None = None
    if "status" in changes:
        transition = DisputeTransition(
            id=new_id(DisputeTransition.ID_PREFIX),
            org_id=item.org_id,
            dispute_id=item.id,
            client_id=item.client_id,
            from_status=before,
            to_status=str(changes.after["status"]),
            outcome=moved.get("outcome"),
            due_at=moved.get("due_at"),
            note=data.note,
        )

    def also(tx: Transaction) -> None:
        if transition is None:
            return
        tx.save(transition, condition=DisputeTransition.pk.does_not_exist())
        moved_changes = Changes(
            before={"status": before}, after={"status": transition.to_status, **_extra(moved)}
        )
        tx.audit("dispute.status_changed", item, moved_changes.audit())

    entities.commit_changes(principal, item, changes, action="dispute.updated", if_match=if_match, also=also)
    return item


def _extra(moved: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in moved.items() if name in ("outcome", "due_at")}


def delete(principal: Principal, dispute_id: str, if_match: str | None) -> Dispute:
    """Soft delete of a draft (409 once sent), on condition it is still a draft as it is deleted."""
    principal.require(DELETE)
    item = entities.fetch(Dispute, principal.org_id, dispute_id, what=WHAT)
    concurrency.check(if_match, item.version)
    if item.status != DisputeStatus.DRAFT.value:
        raise DisputeNotDraft(details=[{"field": "status", "message": f"the dispute is {item.status}"}])
    entities.remove(
        principal,
        item,
        action="dispute.deleted",
        if_match=if_match,
        condition=Dispute.status == DisputeStatus.DRAFT.value,
        refusal=DisputeNotDraft(),
    )
    return item


# --- reads ---------------------------------------------------------------------------------------


def get(principal: Principal, dispute_id: str) -> tuple[Dispute, list[DisputeTransition]]:
    """The dispute and its status history, oldest first, in one Query of its partition."""
    principal.require(READ)
    missing = NotFound(f"{WHAT} not found")
    if not is_id(dispute_id, Dispute.ID_PREFIX):
        raise missing
    dispute: Dispute | None = None
    history: list[DisputeTransition] = []
    for found in TableItem.query(dispute_partition(principal.org_id, dispute_id)):
        if isinstance(found, Dispute) and found.org_id == principal.org_id and not found.is_deleted:
            dispute = found
        elif isinstance(found, DisputeTransition):
            history.append(found)
    if dispute is None:
        raise missing
    return dispute, history


def list_disputes(
    principal: Principal,
    page: PageRequest,
    *,
    client_id: str | None = None,
    status: DisputeStatus | None = None,
    bureau: Bureau | None = None,
    descending: bool = True,
) -> Page[Dispute]:
    """One Query a page: a client's disputes (gsi2), those in a status (gsi3) or all (gsi1)."""
    principal.require(READ)
    filters = {
        "clientId": client_id,
        "status": status.value if status else None,
        "bureau": bureau.value if bureau else None,
    }
    scope = Scope(tenant=principal.org_id, query={"list": "disputes", **filters, "desc": descending})
    plan = LISTING.plan(principal.org_id, sort="createdAt", filters=filters)
    return paginate_window(
        lambda wanted, start: plan.read(wanted, start, forward=not descending),
        page,
        scope,
        key_of=plan.key_of,
    )
