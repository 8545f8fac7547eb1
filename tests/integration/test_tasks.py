"""Tasks over the tasks Lambda, in process on moto (issue 9, seed 004)."""

from __future__ import annotations

import boto3

from docket.settings import Settings
from tests.integration.support import call
from tests.integration.tasks_support import (
    ALICE,
    BOB,
    MALLORY,
    create_task,
    enroll,
    list_tasks,
    new_client,
    new_task,
    task_ids,
)


def audit_actions(settings: Settings) -> list[str]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return sorted(str(i["action"]) for i in table.scan()["Items"] if i.get("type") == "audit")


def items_of_type(settings: Settings, kind: str) -> list[dict[str, object]]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == kind]


# --- create, read, update, delete -----------------------------------------------------------------


def test_seed_004_create_task_links_a_client_and_an_assignee(aws: Settings) -> None:
    # Given a client of the firm and an active member to assign
    client_id = new_client()
    enroll(BOB)
    # When seed 004's "Create Task" body is sent with real ids
    reply = create_task(
        description="Analyze credit report for disputable items",
        priority="high",
        due_date="2024-01-20",
        client_id=client_id,
        assigned_to=BOB.user_id,
    )
    # Then the task is created, versioned, located and audited
    assert reply.status == 201, reply.body
    task = reply.data
    assert task["id"].startswith("task_")
    assert (task["title"], task["status"], task["priority"]) == ("Review credit report", "todo", "high")
    assert (task["dueDate"], task["clientId"], task["assignedTo"]) == ("2024-01-20", client_id, "usr_bob")
    assert task["tenantId"] == "org_A"
    assert reply.headers["ETag"] == '"v1"'
    assert reply.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert "task.created" in audit_actions(aws)
    got = call("tasks", "GET", f"/v1/tasks/{task['id']}", principal=BOB)
    assert got.status == 200
    assert got.data == task


def test_a_client_or_assignee_that_is_not_the_firms_is_a_400_that_writes_nothing(aws: Settings) -> None:
    # Given another firm's client and a user who is no member (and one whose membership is suspended)
    foreign_client = new_client(MALLORY)
    enroll(BOB, status="inactive")
    before = len(items_of_type(aws, "audit"))
    # When a task names them
    foreign = create_task(client_id=foreign_client)
    stranger = create_task(assigned_to="usr_nobody")
    suspended = create_task(assigned_to=BOB.user_id)
    placeholder = create_task(client_id="client-uuid", assigned_to="user-uuid")
    # Then each is a 400 naming the field, and nothing is written
    assert foreign.status == 400, foreign.body
    assert foreign.error["details"][0]["field"] == "clientId"
    assert stranger.status == suspended.status == 400
    assert stranger.error["details"][0]["field"] == "assignedTo"
    assert suspended.error["details"][0]["field"] == "assignedTo"
    assert placeholder.status == 400
    assert items_of_type(aws, "task") == []
    assert len(items_of_type(aws, "audit")) == before


def test_bad_input_is_a_400_with_field_details(aws: Settings) -> None:
    for body in (
        {"title": ""},
        {"title": "x", "status": "done"},
        {"title": "x", "priority": "critical"},
        {"title": "x", "due_date": "tomorrow"},
        {"title": "x", "surprise": 1},
        {"description": "no title"},
    ):
        reply = call("tasks", "POST", "/v1/tasks", principal=ALICE, body=body)
        assert reply.status == 400, (body, reply.body)
        assert reply.error["details"], body
    assert items_of_type(aws, "task") == []


def test_update_moves_status_and_stamps_completion_and_a_noop_keeps_the_version(aws: Settings) -> None:
    task_id = new_task()
    path = f"/v1/tasks/{task_id}"
    # When the task is completed
    done = call("tasks", "PUT", path, principal=ALICE, body={"status": "completed"})
    # Then it carries its completion time and a new version
    assert done.status == 200, done.body
    assert done.data["status"] == "completed"
    assert done.data["completedAt"]
    assert done.headers["ETag"] == '"v2"'
    # And a PUT that changes nothing keeps the version and writes no audit entry
    audits = len(items_of_type(aws, "audit"))
    same = call("tasks", "PUT", path, principal=ALICE, body={"status": "completed"})
    assert same.headers["ETag"] == '"v2"'
    assert len(items_of_type(aws, "audit")) == audits
    # And reopening it clears the completion
    reopened = call("tasks", "PUT", path, principal=ALICE, body={"status": "in_progress"})
    assert reopened.data["completedAt"] is None
    # And a stale If-Match is a 412
    stale = call(
        "tasks", "PUT", path, principal=ALICE, body={"priority": "low"}, headers={"If-Match": '"v1"'}
    )
    assert stale.status == 412


def test_delete_is_soft_audited_and_the_task_is_gone_from_lists(aws: Settings) -> None:
    task_id = new_task()
    deleted = call("tasks", "DELETE", f"/v1/tasks/{task_id}", principal=ALICE)
    assert deleted.status == 200, deleted.body
    assert call("tasks", "GET", f"/v1/tasks/{task_id}", principal=ALICE).status == 404
    assert task_ids(list_tasks()) == []
    assert task_ids(list_tasks(search="credit")) == []
    assert "task.deleted" in audit_actions(aws)


def test_permissions_and_tenants(aws: Settings) -> None:
    task_id = new_task()
    # a reader reads but cannot write or delete
    assert call("tasks", "GET", f"/v1/tasks/{task_id}", principal=BOB).status == 200
    assert create_task(BOB).status == 403
    assert call("tasks", "DELETE", f"/v1/tasks/{task_id}", principal=BOB).status == 403
    # another firm sees none of it
    assert call("tasks", "GET", f"/v1/tasks/{task_id}", principal=MALLORY).status == 404
    assert call("tasks", "PUT", f"/v1/tasks/{task_id}", principal=MALLORY, body={"title": "x"}).status == 404
    assert task_ids(list_tasks(MALLORY)) == []


# --- lists ------------------------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(aws: Settings) -> None:
    enroll(BOB)
    client_id = new_client()
    first = new_task(title="Call the bureau", priority="high", due_date="2024-03-01", assigned_to=BOB.user_id)
    second = new_task(title="Draft the letter", priority="low", due_date="2024-02-01", client_id=client_id)
    third = new_task(title="File the report", priority="high", status="in_progress")
    # newest first by default; oldest first on request
    assert task_ids(list_tasks()) == [third, second, first]
    assert task_ids(list_tasks(sort_by="created_at", sort_order="asc")) == [first, second, third]
    # by due date, undated last
    assert task_ids(list_tasks(sort_by="due_date", sort_order="asc")) == [second, first, third]
    # filters, as seed 004 spells them
    assert task_ids(list_tasks(priority="high")) == [third, first]
    assert task_ids(list_tasks(status="in_progress")) == [third]
    assert task_ids(list_tasks(assigned_to=BOB.user_id)) == [first]
    assert task_ids(list_tasks(clientId=client_id)) == [second]
    # seed 004's example: status=pending (not started), priority and an assignee nobody is
    assert task_ids(list_tasks(status="pending", priority="high", assigned_to="user-id")) == []
    assert task_ids(list_tasks(status="pending", priority="high", assigned_to=BOB.user_id)) == [first]
    # limit/offset (seed 004) and page/limit with a total
    paged = list_tasks(limit="1", offset="1")
    assert task_ids(paged) == [second]
    assert paged.data["pagination"]["hasNext"] is True
    numbered = list_tasks(limit="2", page="1")
    assert numbered.data["pagination"]["total"] == 3
    assert task_ids(list_tasks(limit="2", page="1", status="todo")) == [second, first]
    # a cursor goes on where the page ended
    cursor = list_tasks(limit="2").data["pagination"]["nextCursor"]
    assert task_ids(list_tasks(limit="2", cursor=cursor)) == [first]
    # an unknown sort is a 400 naming the field
    assert list_tasks(sort_by="priority").status == 400


def test_default_limit_is_50_and_at_most_1000(aws: Settings) -> None:
    assert list_tasks().data["pagination"]["limit"] == 50
    assert list_tasks(limit="1000").status == 200
    assert list_tasks(limit="1001").status == 400


def test_search_finds_titles_by_word_and_prefix(aws: Settings) -> None:
    report = new_task(title="Review credit report")
    letter = new_task(title="Send dispute letter", priority="urgent")
    assert task_ids(list_tasks(search="credit")) == [report]
    assert task_ids(list_tasks(search="disp")) == [letter]
    assert task_ids(list_tasks(search="re")) == [report]
    assert task_ids(list_tasks(search="letter", priority="low")) == []
    # a renamed task is found by its new title only
    call("tasks", "PUT", f"/v1/tasks/{report}", principal=ALICE, body={"title": "Check the score"})
    assert task_ids(list_tasks(search="credit")) == []
    assert task_ids(list_tasks(search="score")) == [report]


# --- ethical walls ----------------------------------------------------------------------------------
