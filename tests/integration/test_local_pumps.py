"""The emulator's pumps on moto, with fake functions: what the consumers receive, and the retry,
partial-failure and dead-letter semantics of the stack's event-source mappings."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from docket.settings import Settings
from docket.topology import EVENT_SOURCE, QueueSpec
from infra.local import dynamodb
from infra.local.aws import dlq_name, stream_failures_queue_name, wire_queue
from infra.local.pumps import POLL_S, Pumps, QueuePump, StreamPump, wait_until

SPEC = QueueSpec(
    name="pump-test", consumer="fake-consumer", detail_types=("pump.tested",), max_receive_count=2
)


class Recorder:
    """A fake function: records events; `answer(event)` decides the result (default: success)."""

    def __init__(self, answer: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.functions: list[str] = []
        self.answer: Callable[[dict[str, Any]], Any] = answer or (lambda event: {"batchItemFailures": []})

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        self.functions.append(function)
        self.events.append(event)
        return self.answer(event)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for e in self.events for r in e["Records"]]


def failing(message: str) -> Callable[[dict[str, Any]], Any]:
    def fail(event: dict[str, Any]) -> Any:
        raise RuntimeError(message)

    return fail


def put_event(settings: Settings, detail_type: str, detail: dict[str, Any]) -> None:
    result = boto3.client("events").put_events(
        Entries=[
            {
                "Source": EVENT_SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": settings.event_bus_name,
            }
        ]
    )
    assert result["FailedEntryCount"] == 0


def queue_depth(name: str) -> int:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.fixture
def queue(aws: Settings) -> Settings:
    wire_queue(boto3.session.Session(), aws.event_bus_name, SPEC, visibility_s=1)
    return aws


def pump_until(pump: QueuePump | StreamPump, condition: Any, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        if not pump.step():
            time.sleep(0.1)


# queues ------------------------------------------------------------------------------------------


def test_an_event_on_the_bus_reaches_the_consumer_as_an_sqs_event(queue: Settings) -> None:
    # Given a consumer behind the queue the rule feeds
    consumer = Recorder()
    pump = QueuePump(SPEC, consumer)
    # When an event of a routed type, and one of another type, are put on the bus
    put_event(queue, "pump.tested", {"n": 1})
    put_event(queue, "something.else", {"n": 2})
    pump_until(pump, lambda: consumer.records)
    # Then only the routed one arrives, shaped as Lambda's SQS event, and is deleted
    [record] = consumer.records
    assert consumer.functions == ["fake-consumer"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":docket-local-pump-test")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    envelope = json.loads(record["body"])
    assert (envelope["source"], envelope["detail-type"], envelope["detail"]) == (
        EVENT_SOURCE,
        "pump.tested",
        {"n": 1},
    )
    assert pump.step() is False
    assert queue_depth("docket-local-pump-test") == 0


def test_a_reported_failure_comes_back_and_the_rest_is_deleted(queue: Settings) -> None:
    failed_once: set[str] = set()

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            if json.loads(record["body"])["detail"]["n"] == 2 and record["messageId"] not in failed_once:
                failed_once.add(record["messageId"])
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    consumer = Recorder(answer)
    pump = QueuePump(SPEC, consumer)
    for n in (1, 2, 3):
        put_event(queue, "pump.tested", {"n": n})
    pump_until(pump, lambda: len(consumer.records) >= 4)
    seen = [json.loads(r["body"])["detail"]["n"] for r in consumer.records]
    assert sorted(seen) == [1, 2, 2, 3]
    [retry] = [r for r in consumer.records if r["attributes"]["ApproximateReceiveCount"] == "2"]
    assert json.loads(retry["body"])["detail"]["n"] == 2
    assert queue_depth("docket-local-pump-test") == 0


def test_a_message_that_keeps_failing_goes_to_the_dlq(queue: Settings) -> None:
    consumer = Recorder(failing("consumer is down"))
    pump = QueuePump(SPEC, consumer)
    put_event(queue, "pump.tested", {"n": 1})
    pump_until(pump, lambda: queue_depth(dlq_name(SPEC)) == 1)
    assert len(consumer.events) == SPEC.max_receive_count
    assert queue_depth("docket-local-pump-test") == 0


# the stream --------------------------------------------------------------------------------------


def test_item_changes_reach_the_publisher_as_a_stream_event(aws: Settings) -> None:
    publisher = Recorder()
    pump = StreamPump(lambda: aws, publisher)
    table = boto3.client("dynamodb")
    key = {"pk": {"S": "ORG#o#THING#t"}, "sk": {"S": "META"}}
    table.put_item(TableName=aws.table_name, Item={**key, "n": {"N": "1"}})
    table.update_item(
        TableName=aws.table_name,
        Key=key,
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
    )
    table.delete_item(TableName=aws.table_name, Key=key)
    pump_until(pump, lambda: len(publisher.records) == 3)

    assert publisher.functions[0] == "publisher"
    insert, modify, remove = publisher.records
    assert [r["eventName"] for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(
        r["eventSource"] == "aws:dynamodb" and ":table/docket-local-table/stream/" in r["eventSourceARN"]
        for r in (insert, modify, remove)
    )
    assert insert["dynamodb"]["Keys"] == key
    assert insert["dynamodb"]["NewImage"]["n"] == {"N": "1"}
    assert "OldImage" not in insert["dynamodb"]
    assert (modify["dynamodb"]["OldImage"]["n"], modify["dynamodb"]["NewImage"]["n"]) == (
        {"N": "1"},
        {"N": "2"},
    )
    assert "NewImage" not in remove["dynamodb"]
    assert remove["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], int)
    # nothing is delivered twice
    assert pump.step() is False


def test_the_stream_is_retried_from_the_first_reported_failure(aws: Settings) -> None:
    attempts: list[list[str]] = []

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        sequence = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        attempts.append(sequence)
        # the second record fails on the first attempt only
        return {"batchItemFailures": [{"itemIdentifier": sequence[1]}] if len(attempts) == 1 else []}

    pump = StreamPump(lambda: aws, Recorder(answer))
    for n in range(3):
        boto3.client("dynamodb").put_item(
            TableName=aws.table_name, Item={"pk": {"S": f"K#{n}"}, "sk": {"S": "META"}}
        )
    pump_until(pump, lambda: len(attempts) >= 2)
    first, retry = attempts
    assert len(first) == 3
    assert retry == first[1:]


def test_a_failing_stream_batch_is_retried_then_recorded_as_a_failure(aws: Settings) -> None:
    publisher = Recorder(failing("publisher is down"))
    pump = StreamPump(lambda: aws, publisher, retry_attempts=2)
    boto3.client("dynamodb").put_item(TableName=aws.table_name, Item={"pk": {"S": "K"}, "sk": {"S": "META"}})
    pump_until(pump, lambda: queue_depth(stream_failures_queue_name()) == 1)
    assert len(publisher.events) == 3  # the first attempt and two retries
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=stream_failures_queue_name())["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    info = json.loads(message["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["batchSize"] == 1
    # and the stream moved on
    assert pump.step() is False


# the threads -------------------------------------------------------------------------------------


def waiting_messages(name: str) -> int:
    """Messages in the queue that no consumer has received yet."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_the_pump_threads_deliver_hold_back_while_paused_and_stop_cleanly(queue: Settings) -> None:
    consumer = Recorder()
    pumps = Pumps(lambda: queue, consumer, queues=(SPEC,))
    pumps.start()
    try:
        # Given running pumps that deliver
        put_event(queue, "pump.tested", {"n": 1})
        assert wait_until(lambda: len(consumer.records) == 1, timeout=10)
        with pumps.paused():  # e.g. while the account is reset
            # When an event reaches the queue while they are paused
            put_event(queue, "pump.tested", {"n": 2})
            assert wait_until(lambda: waiting_messages("docket-local-pump-test") == 1, timeout=10)
            # Then it stays there: a running pump would have taken it within a few polls
            time.sleep(POLL_S * 5)
            assert len(consumer.records) == 1
            assert waiting_messages("docket-local-pump-test") == 1
        # And once they resume, it is delivered
        assert wait_until(lambda: len(consumer.records) == 2, timeout=10)
        assert json.loads(consumer.records[1]["body"])["detail"] == {"n": 2}
    finally:
        pumps.stop()
    assert not any(thread.is_alive() for thread in pumps.threads)


def test_a_cancelled_transaction_reaches_no_one_and_the_next_write_does(aws: Settings) -> None:
    # Given a pump that has delivered one write
    publisher = Recorder()
    pump = StreamPump(lambda: aws, publisher)
    table = boto3.client("dynamodb")
    first = {"pk": {"S": "ORG#o#THING#1"}, "sk": {"S": "META"}}
    table.put_item(TableName=aws.table_name, Item=first)
    pump_until(pump, lambda: len(publisher.records) == 1)
    # When a transaction is cancelled after its first put, and another write follows
    with pytest.raises(table.exceptions.TransactionCanceledException):
        table.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": aws.table_name,
                        "Item": {"pk": {"S": "ORG#o#THING#2"}, "sk": {"S": "META"}},
                    }
                },
                {
                    "Put": {
                        "TableName": aws.table_name,
                        "Item": first,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    later = {"pk": {"S": "ORG#o#THING#3"}, "sk": {"S": "META"}}
    table.put_item(TableName=aws.table_name, Item=later)
    pump_until(pump, lambda: len(publisher.records) == 2)
    # Then the publisher saw the two writes and nothing of the cancelled transaction (as on AWS)
    assert [r["dynamodb"]["Keys"] for r in publisher.records] == [first, later]
    assert pump.step() is False


def test_the_stream_pump_resumes_after_its_iterator_expired(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a pump that has delivered one write and holds its next iterator
    publisher = Recorder()
    pump = StreamPump(lambda: aws, publisher)
    table = boto3.client("dynamodb")
    table.put_item(TableName=aws.table_name, Item={"pk": {"S": "K#1"}, "sk": {"S": "META"}})
    pump_until(pump, lambda: len(publisher.records) == 1)
    # When 15 minutes pass (the iterator expires) and another write arrives
    real_now = dynamodb.now
    monkeypatch.setattr(dynamodb, "now", lambda: real_now() + dynamodb.SHARD_ITERATOR_TTL_S + 1)
    table.put_item(TableName=aws.table_name, Item={"pk": {"S": "K#2"}, "sk": {"S": "META"}})
    pump_until(pump, lambda: len(publisher.records) == 2)
    # Then it picked up after the last record it handled: the new one, once
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in publisher.records] == ["K#1", "K#2"]
    assert pump.step() is False


def test_a_slow_batch_does_not_hold_up_the_next_one(queue: Settings) -> None:
    # Given a consumer whose first batch blocks, and two pollers on its queue (Lambda polls a queue
    # with several concurrent batches)
    release = threading.Event()
    seen: list[int] = []
    lock = threading.Lock()

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        numbers = [json.loads(r["body"])["detail"]["n"] for r in event["Records"]]
        with lock:
            seen.extend(numbers)
        if 1 in numbers:
            release.wait(timeout=20)
        return {"batchItemFailures": []}

    pumps = Pumps(lambda: queue, Recorder(answer), queues=(SPEC,), pollers=2)
    pumps.threads = pumps.threads[1:]  # the queue's pollers only
    pumps.start()
    try:
        put_event(queue, "pump.tested", {"n": 1})
        assert wait_until(lambda: 1 in seen, timeout=10)
        # When another event arrives while that batch is still running
        put_event(queue, "pump.tested", {"n": 2})
        # Then the other poller delivers it meanwhile
        assert wait_until(lambda: 2 in seen, timeout=10)
        assert not release.is_set()
    finally:
        release.set()
        pumps.stop()


def test_settle_returns_once_every_message_is_handled_a_retried_one_included(queue: Settings) -> None:
    # Given a slow consumer that fails each message the first time (it comes back after the
    # queue's visibility timeout, 1 s)
    failed_once: set[str] = set()
    handled: list[int] = []

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        time.sleep(0.3)
        failures = []
        for record in event["Records"]:
            if record["messageId"] in failed_once:
                handled.append(json.loads(record["body"])["detail"]["n"])
            else:
                failed_once.add(record["messageId"])
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    pumps = Pumps(lambda: queue, Recorder(answer), queues=(SPEC,))
    pumps.start()
    try:
        # When an event is put on the bus and the pumps are asked to settle
        put_event(queue, "pump.tested", {"n": 7})
        pumps.settle()
        # Then by the time settle returns, the retry has been handled, and nothing is left
        assert handled == [7]
        assert queue_depth("docket-local-pump-test") == 0
    finally:
        pumps.stop()


def test_settle_gives_up_on_a_pipeline_that_stays_busy(queue: Settings) -> None:
    # Given a consumer stuck on its message
    release = threading.Event()
    pumps = Pumps(lambda: queue, Recorder(lambda event: release.wait(timeout=20)), queues=(SPEC,))
    pumps.start()
    try:
        put_event(queue, "pump.tested", {"n": 1})
        # Then settling fails after its timeout rather than waiting for ever
        with pytest.raises(TimeoutError, match="still busy"):
            pumps.settle(timeout=1.5)
    finally:
        release.set()
        pumps.stop()
