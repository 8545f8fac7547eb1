"""Bulk task operations (seed 004's `POST /tasks/bulk-update` and `/tasks/bulk-delete`), in process."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from docket.settings import Settings
from tests.integration.support import call
from tests.integration.tasks_support import ALICE, BOB, MALLORY, enroll, list_tasks, new_task, task_ids

UNKNOWN = "task_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append(operation)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    return made


def bulk_update(body: Any, principal: Any = ALICE) -> Any:
    return call("tasks", "POST", "/api/v1/tasks/bulk-update", principal=principal, body=body)


def bulk_delete(body: Any, principal: Any = ALICE) -> Any:
    return call("tasks", "POST", "/api/v1/tasks/bulk-delete", principal=principal, body=body)


def audits(settings: Settings, action: str) -> int:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    items = table.scan()["Items"]
    return sum(1 for i in items if i.get("type") == "audit" and i.get("action") == action)


def test_50_updates_with_3_unknown_ids_make_47_successes_and_3_errors(
    aws: Settings, aws_calls: list[str]
) -> None:
    # Given 47 tasks of the firm, and 3 ids that name none (one another firm's, one not an id at all)
    tasks = [new_task(title=f"Task {n}") for n in range(47)]
    foreign = new_task(MALLORY, title="Not yours")
    unknown = [UNKNOWN, foreign, "task-uuid-1"]
    body = [{"id": task_id, "status": "completed"} for task_id in tasks[:20]]
    body += [{"id": task_id, "status": "completed"} for task_id in unknown]
    body += [{"id": task_id, "status": "completed"} for task_id in tasks[20:]]
    aws_calls.clear()
    # When they are updated in one call
    reply = bulk_update(body)
    # Then each item has its result, in the order sent: 47 successes and 3 errors
    assert reply.status == 200, reply.body
    outcome = reply.data
    assert (outcome["succeeded"], outcome["failed"]) == (47, 3)
    assert [r["id"] for r in outcome["results"]] == [item["id"] for item in body]
    errors = [r for r in outcome["results"] if not r["success"]]
    assert [(e["id"], e["status"], e["error"]["code"]) for e in errors] == [
        (task_id, 404, "RESOURCE_NOT_FOUND") for task_id in unknown
    ]
    assert all(r["task"]["status"] == "completed" for r in outcome["results"] if r["success"])
    # And the 47 are really updated, each audited in its own transaction; the foreign task is not
    assert sorted(task_ids(list_tasks(status="completed", limit="100"))) == sorted(tasks)
    assert audits(aws, "task.updated") == 47
    assert call("tasks", "GET", f"/v1/tasks/{foreign}", principal=MALLORY).data["status"] == "todo"
    # And the tasks were read together (BatchGetItem), not one GetItem each; one transaction per item
    assert aws_calls.count("BatchGetItem") == 1
    assert aws_calls.count("TransactWriteItems") == 47
    assert aws_calls.count("GetItem") <= 47 + 2  # the audit chain's head per transaction, the rate limit


def test_one_bad_item_never_stops_the_others(aws: Settings) -> None:
    # Given tasks, one of them to be assigned to someone who is no member
    enroll(BOB)
    good, stray, twice, raced = (new_task(title=f"Task {n}") for n in range(4))
    call("tasks", "PUT", f"/v1/tasks/{raced}", principal=ALICE, body={"title": "moved on"})
    body = [
        {"id": good, "priority": "high", "assigned_to": BOB.user_id},
        {"id": stray, "assigned_to": "usr_nobody"},
        {"id": twice, "status": "cancelled"},
        {"id": twice, "status": "completed"},
        {"id": raced, "status": "bogus"},
        {"status": "completed"},
        {"id": raced, "title": ""},
    ]
    # When they are sent in one call
    reply = bulk_update(body)
    # Then every item answers for itself
    assert reply.status == 200, reply.body
    results = reply.data["results"]
    assert [(r["success"], r["status"]) for r in results] == [
        (True, 200),
        (False, 400),
        (True, 200),
        (False, 400),
        (False, 400),
        (False, 400),
        (False, 400),
    ]
    assert results[1]["error"]["details"][0]["field"] == "assignedTo"
    assert results[4]["error"]["details"][0]["field"] == "status"
    assert results[5]["id"] is None
    # And what succeeded is written; what failed is not
    assert call("tasks", "GET", f"/v1/tasks/{good}", principal=ALICE).data["assignedTo"] == BOB.user_id
    assert call("tasks", "GET", f"/v1/tasks/{stray}", principal=ALICE).data["assignedTo"] is None
    assert call("tasks", "GET", f"/v1/tasks/{twice}", principal=ALICE).data["status"] == "cancelled"


def test_a_lost_race_is_that_items_409(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given two tasks, one changed by someone else between the bulk call's read and its write
    first, second = new_task(title="First"), new_task(title="Second")
    from docket.tasks import service

    original = service.apply_update

    def racing(principal: Any, item: Any, data: Any, if_match: Any, *, wall: Any) -> Any:
        if item.id == first:
            call("tasks", "PUT", f"/v1/tasks/{first}", principal=ALICE, body={"title": "Someone else"})
        return original(principal, item, data, if_match, wall=wall)

    monkeypatch.setattr(service, "apply_update", racing)
    # When both are updated
    reply = bulk_update([{"id": first, "priority": "low"}, {"id": second, "priority": "low"}])
    # Then the raced one is a 409 (its other writer wins), the other is updated
    assert [r["status"] for r in reply.data["results"]] == [409, 200]
    monkeypatch.setattr(service, "apply_update", original)
    assert call("tasks", "GET", f"/v1/tasks/{first}", principal=ALICE).data["title"] == "Someone else"


def test_more_than_100_items_are_refused_and_nothing_is_written(aws: Settings) -> None:
    task_id = new_task()
    over = [{"id": task_id, "status": "completed"}] * 101
    assert bulk_update(over).status == 400
    assert bulk_delete({"task_ids": [task_id] * 101}).status == 400
    assert call("tasks", "GET", f"/v1/tasks/{task_id}", principal=ALICE).data["status"] == "todo"
    # and the body must be what the seed prints
    assert bulk_update({"id": task_id}).status == 400
    assert bulk_delete([task_id]).status == 400
    assert bulk_delete({"task_ids": []}).status == 400


def test_bulk_delete_answers_per_item_and_deletes_only_the_firms_tasks(aws: Settings) -> None:
    # Given two tasks and ids that name none
    first, second = new_task(title="First"), new_task(title="Second")
    foreign = new_task(MALLORY, title="Theirs")
    # When seed 004's body names them
    reply = bulk_delete({"task_ids": [first, "uuid-2", foreign, second, first]})
    # Then the firm's two are deleted (each audited), the rest are 404s
    assert reply.status == 200, reply.body
    assert [r["status"] for r in reply.data["results"]] == [200, 404, 404, 200, 404]
    assert (reply.data["succeeded"], reply.data["failed"]) == (2, 3)
    assert task_ids(list_tasks()) == []
    assert audits(aws, "task.deleted") == 2
    assert call("tasks", "GET", f"/v1/tasks/{foreign}", principal=MALLORY).status == 200


def test_bulk_calls_need_the_permissions_of_their_writes(aws: Settings) -> None:
    task_id = new_task()
    assert bulk_update([{"id": task_id, "status": "completed"}], principal=BOB).status == 403
    assert bulk_delete({"task_ids": [task_id]}, principal=BOB).status == 403
