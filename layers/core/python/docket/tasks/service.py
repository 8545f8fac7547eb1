"""Tasks: rules, writes and reads (permission, tenant and ethical wall checked here, on every call).

Every write is one `TransactWriteItems`: the task, its audit entry, its search entries
(docket.data.search), the counts (docket.data.tallies), and condition checks that its client is a
live client of the firm and its assignee an active member (no read before the write). A task
linked to a case the caller is walled off from (docket.cases.walls) is a 404 on every route, and
is left out of every list and search. The case id itself is checked for form only: the cases
domain lands beside this one, and its existence check joins here once it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docket import clock
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, page_of, paginate_window
from docket.cases.entities import require_case
from docket.cases.walls import Wall, wall_for
from docket.clients import service as clients
from docket.data import entities, search, tallies
from docket.data.changes import Changes, diff
from docket.data.listing import Listing, Narrowed, Order
from docket.data.models import item_key, org_key
from docket.data.transactions import Transaction
from docket.ids import new_id
from docket.members.assignable import require_members
from docket.security import permissions
from docket.security.principal import Principal
from docket.tasks.entities import Task
from docket.tasks.schemas import TaskIn, TaskOut, TaskPriority, TaskStatus, TaskUpdate

READ = permissions.TASKS_READ
WRITE = permissions.TASKS_WRITE
DELETE = permissions.TASKS_DELETE
KIND = "task"
WHAT = "Task"
#: seed 004's example filters `status=pending`: a task not started yet
STATUS_ALIASES = {"pending": TaskStatus.TODO.value}

LISTING: Listing[Task] = Listing(
    Task,
    orders={
        "createdAt": Order(Task.gsi1, lambda org: f"{org_key(org)}#TASKS"),
        "dueDate": Order(Task.gsi2, lambda org: f"{org_key(org)}#TASKS#DUE"),
    },
    filters={"status": "status", "priority": "priority", "clientId": "client_id"},
    narrowed={
        "assignedTo": Narrowed(
            Task.gsi3, "createdAt", lambda org, user: f"{org_key(org)}#TASKS#ASSIGNEE#{user}", "assigned_to"
        ),
        "caseId": Narrowed(
            Task.gsi4, "createdAt", lambda org, case: f"{org_key(org)}#TASKS#CASE#{case}", "case_id"
        ),
    },
    aliases={"created_at": "createdAt", "created": "createdAt", "due_date": "dueDate", "due": "dueDate"},
)


# --- presenting --------------------------------------------------------------------------------


def present(item: Task) -> TaskOut:
    return TaskOut(
        id=item.id,
        title=item.title,
        description=item.description,
        status=TaskStatus(item.status),
        priority=TaskPriority(item.priority),
        due_date=item.due_date,
        client_id=item.client_id,
        case_id=item.case_id,
        assigned_to=item.assigned_to,
        completed_at=item.completed_at,
        tenant_id=item.org_id,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


# --- helpers -------------------------------------------------------------------------------------


def _counts(before: Mapping[str, str] | None, after: Task | None) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for dimension in ("status", "priority"):
        old = before.get(dimension) if before else None
        new = getattr(after, dimension) if after is not None else None
        for key, delta in tallies.moved("tasks", dimension, old, new).items():
            deltas[key] = deltas.get(key, 0) + delta
    return deltas


def _links(tx: Transaction, item: Task, changed: set[str]) -> None:
    """The client, the case and the assignee a write names (new or changed) are the firm's,
    checked in `tx`."""
    if item.client_id and "client_id" in changed:
        clients.require_client(tx, item.org_id, item.client_id)
    if item.case_id and "case_id" in changed:
        require_case(tx, item.org_id, item.case_id)
    if item.assigned_to and "assigned_to" in changed:
        require_members(tx, item.org_id, [item.assigned_to], field="assignedTo")


def _completion(status: str, before: str | None, completed_at: str | None) -> str | None:
    """When the task was completed: stamped as it becomes completed, cleared if it is reopened."""
    if status == TaskStatus.COMPLETED.value:
        return completed_at if before == TaskStatus.COMPLETED.value and completed_at else clock.iso()
    return None


def visible(principal: Principal, item: Task, wall: Wall | None = None) -> Task:
    """`item`, unless the caller is walled off from its case (then a 404, like a missing task)."""
    (wall or wall_for(principal)).check(item.case_id, what=WHAT)
    return item


# --- writes --------------------------------------------------------------------------------------


def create(principal: Principal, data: TaskIn) -> Task:
    principal.require(WRITE)
    wall_for(principal).check(data.case_id, what="Case")
    item = Task(
        id=new_id(Task.ID_PREFIX),
        org_id=principal.org_id,
        title=data.title,
        description=data.description,
        status=data.status.value,
        priority=data.priority.value,
        due_date=data.due_date.isoformat() if data.due_date else None,
        client_id=data.client_id,
        case_id=data.case_id,
        assigned_to=data.assigned_to,
        completed_at=_completion(data.status.value, None, None),
    )
    item.search_words = list(search.words(item.title))

    def also(tx: Transaction) -> None:
        _links(tx, item, {"client_id", "case_id", "assigned_to"})
        search.reindex(tx, item.org_id, KIND, item.id, (), item.search_words or ())
        tallies.adjust(tx, item.org_id, _counts(None, item))

    return entities.create(principal, item, action="task.created", also=also)


def get(principal: Principal, task_id: str) -> Task:
    principal.require(READ)
    return visible(principal, entities.fetch(Task, principal.org_id, task_id, what=WHAT))


def requested_changes(item: Task, data: TaskUpdate) -> Changes:
    """What `data` changes in `item` (stored spellings), completion time included; nothing applied."""
    sent: dict[str, Any] = data.model_dump(exclude_unset=True, by_alias=False, exclude={"id"})
    if "due_date" in sent and sent["due_date"] is not None:
        sent["due_date"] = sent["due_date"].isoformat()
    changes = diff(item, sent)
    if "status" in changes:
        status = str(changes.after["status"])
        completed = _completion(status, item.status, item.completed_at)
        if completed != item.completed_at:
            changes.before["completed_at"] = item.completed_at
            changes.after["completed_at"] = completed
    return changes


def apply_update(
    principal: Principal, item: Task, data: TaskUpdate, if_match: str | None, *, wall: Wall
) -> Task:
    """Write `data` onto `item` as read (its version the write's condition): one transaction with its
    audit entry, or nothing at all when nothing changes. A case it moves to must not be walled off."""
    concurrency.check(if_match, item.version)
    changes = requested_changes(item, data)
    if not changes:
        return item
    if "case_id" in changes:
        wall.check(changes.after["case_id"], what="Case")
    before = {"status": item.status, "priority": item.priority}
    words_before = tuple(item.search_words or ())
    changes.apply(item)
    item.search_words = list(search.words(item.title))

    def also(tx: Transaction) -> None:
        _links(tx, item, set(changes.after))
        search.reindex(tx, item.org_id, KIND, item.id, words_before, item.search_words or ())
        tallies.adjust(tx, item.org_id, _counts(before, item))

    # `changes` is applied already: commit_changes applies it again (the same values) and writes
    entities.commit_changes(principal, item, changes, action="task.updated", if_match=if_match, also=also)
    return item


def update(principal: Principal, task_id: str, data: TaskUpdate, if_match: str | None) -> Task:
    """Apply the sent fields; a PUT that changes nothing answers the task as it is (same version)."""
    principal.require(WRITE)
    wall = wall_for(principal)
    item = visible(principal, entities.fetch(Task, principal.org_id, task_id, what=WHAT), wall)
    return apply_update(principal, item, data, if_match, wall=wall)


def remove(principal: Principal, item: Task, if_match: str | None) -> Task:
    """Soft delete (the firm keeps its history): out of every list, search and count."""
    concurrency.check(if_match, item.version)
    words_before = tuple(item.search_words or ())
    before = {"status": item.status, "priority": item.priority}

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, words_before, ())
        tallies.adjust(tx, item.org_id, _counts(before, None))

    entities.remove(principal, item, action="task.deleted", if_match=if_match, also=also)
    return item


def delete(principal: Principal, task_id: str, if_match: str | None) -> Task:
    principal.require(DELETE)
    item = visible(principal, entities.fetch(Task, principal.org_id, task_id, what=WHAT))
    return remove(principal, item, if_match)


# --- reads ---------------------------------------------------------------------------------------


def list_tasks(
    principal: Principal,
    page: PageRequest,
    *,
    search_term: str | None = None,
    status: str | None = None,
    priority: TaskPriority | None = None,
    assigned_to: str | None = None,
    client_id: str | None = None,
    case_id: str | None = None,
    sort_by: str = "createdAt",
    descending: bool = True,
) -> Page[Task]:
    """One Query a page in the sort's index (filters bounded: docket.data.listing), tasks of walled
    cases left out; with `search`, the search entries' Query and one `BatchGetItem` of the tasks."""
    principal.require(READ)
    org_id = principal.org_id
    wall = wall_for(principal)
    filters = {
        "status": STATUS_ALIASES.get(status, status) if status else None,
        "priority": priority.value if priority else None,
        "assignedTo": assigned_to,
        "clientId": client_id,
        "caseId": case_id,
    }
    sort = LISTING.sort_name(sort_by)
    scope = Scope(
        tenant=org_id,
        query={"list": "tasks", "q": search_term, **filters, "sort": sort, "desc": descending},
    )
    if wall.hides(case_id):
        return page_of([], page, next_cursor=None, total=0 if page.page is not None else None)
    if search_term:
        return _search(principal, page, scope, search_term, filters, wall)
    plan = LISTING.plan(org_id, sort=sort, filters=filters)
    given = [name for name, value in filters.items() if value is not None]
    counted = not given or given in (["status"], ["priority"])
    return paginate_window(
        lambda wanted, start: plan.read(
            wanted, start, forward=not descending, keep=lambda task: not wall.hides(task.case_id)
        ),
        page,
        scope,
        key_of=plan.key_of,
        count=(lambda: tallies.total(org_id, "tasks", filters)) if counted and not wall.hides_any() else None,
    )


def _search(
    principal: Principal,
    page: PageRequest,
    scope: Scope,
    term: str,
    filters: Mapping[str, str | None],
    wall: Wall,
) -> Page[Task]:
    """A search page of titles: entries in word order (docket.data.search), then the tasks they
    name, filtered (a filtered search page may hold fewer than `limit`)."""
    org_id = principal.org_id
    hits = paginate_window(
        lambda wanted, start: search.find(org_id, KIND, term, wanted=wanted, start=start),
        page,
        scope,
        key_of=item_key,
    )
    found = entities.fetch_many(Task, org_id, [hit.entity_id for hit in hits.items])
    wanted = {
        "status": filters.get("status"),
        "priority": filters.get("priority"),
        "assigned_to": filters.get("assignedTo"),
        "client_id": filters.get("clientId"),
        "case_id": filters.get("caseId"),
    }
    kept = [
        t
        for t in found
        if all(v is None or getattr(t, k) == v for k, v in wanted.items()) and not wall.hides(t.case_id)
    ]
    return Page(items=kept, pagination=hits.pagination)
