"""Bulk task operations (seed 004): `POST /tasks/bulk-update` and `POST /tasks/bulk-delete`.

A call names up to `MAX_BULK` tasks and answers one result per item, in the order sent. The tasks
are read together (`BatchGetItem`, one call per 100 keys), then each item is written on its own,
atomically: its own `TransactWriteItems` with its audit entry, on condition that the task's version
is still the one read. One bad item — malformed, unknown, walled off, a name that is not the
firm's, a lost race — is that item's error and never stops the others; nothing is retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from docket.cases.walls import wall_for
from docket.data import entities
from docket.errors import DocketError, NotFound, ValidationFailed
from docket.ids import is_id
from docket.security.principal import Principal
from docket.tasks import service
from docket.tasks.entities import Task
from docket.tasks.schemas import MAX_BULK, BulkOutcome, BulkResult, ItemError, TaskPatch


def _refused(task_id: str | None, error: DocketError) -> BulkResult:
    return BulkResult(
        id=task_id,
        success=False,
        status=error.status,
        error=ItemError(code=error.code, message=error.message, details=error.details),
    )


def _malformed(exc: ValidationError) -> ValidationFailed:
    details = [
        {"field": ".".join(str(part) for part in problem["loc"]) or "item", "message": problem["msg"]}
        for problem in exc.errors(include_url=False)
    ]
    return ValidationFailed("Invalid task update", details=details)


def _outcome(results: list[BulkResult]) -> BulkOutcome:
    succeeded = sum(1 for result in results if result.success)
    return BulkOutcome(results=results, succeeded=succeeded, failed=len(results) - succeeded)


def _too_many(count: int) -> None:
    if count > MAX_BULK:
        raise ValidationFailed(
            f"At most {MAX_BULK} tasks per call",
            details=[{"field": "body", "message": f"{count} items; at most {MAX_BULK}"}],
        )


def _read(principal: Principal, task_ids: Sequence[str]) -> dict[str, Task]:
    wanted = [task_id for task_id in task_ids if is_id(task_id, Task.ID_PREFIX)]
    return {task.id: task for task in entities.fetch_many(Task, principal.org_id, wanted)}


def bulk_update(principal: Principal, items: Sequence[Any]) -> BulkOutcome:
    """Seed 004's array of partial updates (`[{"id": …, "status": "completed"}, …]`)."""
    principal.require(service.WRITE)
    _too_many(len(items))
    patches: list[TaskPatch | DocketError] = []
    for raw in items:
        try:
            patches.append(TaskPatch.model_validate(raw))
        except ValidationError as exc:
            patches.append(_malformed(exc))
    found = _read(principal, [p.id for p in patches if isinstance(p, TaskPatch)])
    wall = wall_for(principal)
    seen: set[str] = set()
    results: list[BulkResult] = []
    for raw, patch in zip(items, patches, strict=True):
        if isinstance(patch, DocketError):
            named = raw.get("id") if isinstance(raw, dict) else None
            results.append(_refused(named if isinstance(named, str) else None, patch))
            continue
        try:
            if patch.id in seen:
                raise ValidationFailed(
                    "This task is named twice", details=[{"field": "id", "message": "one update per task"}]
                )
            seen.add(patch.id)
            item = found.get(patch.id)
            if item is None:
                raise NotFound(f"{service.WHAT} not found")
            service.visible(principal, item, wall)
            updated = service.apply_update(principal, item, patch, None, wall=wall)
        except DocketError as error:
            results.append(_refused(patch.id, error))
            continue
        results.append(BulkResult(id=patch.id, success=True, status=200, task=service.present(updated)))
    return _outcome(results)


def bulk_delete(principal: Principal, task_ids: Sequence[str]) -> BulkOutcome:
    """Seed 004's `{"task_ids": […]}`: each task soft-deleted on its own, audited."""
    principal.require(service.DELETE)
    _too_many(len(task_ids))
    found = _read(principal, task_ids)
    wall = wall_for(principal)
    seen: set[str] = set()
    results: list[BulkResult] = []
    for task_id in task_ids:
        try:
            item = found.get(task_id)
            if item is None or task_id in seen:
                # a second mention of a task deleted by the first finds nothing more to delete
                raise NotFound(f"{service.WHAT} not found")
            seen.add(task_id)
            service.visible(principal, item, wall)
            service.remove(principal, item, None)
        except DocketError as error:
            results.append(_refused(task_id, error))
            continue
        results.append(BulkResult(id=task_id, success=True, status=200, task=service.present(item)))
    return _outcome(results)
