"""Stream → publisher → bus → queue, and the consumer base's once-only, partial-failure handling."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from docket.events.catalog import DomainEvent
from docket.events.consumer import make_consumer
from docket.security.principal import Principal
from docket.settings import Settings
from docket.topology import QUEUES
from infra.local.aws import queue_name
from infra.local.pumps import StreamPump
from tests.integration.support import FakeContext, call

ALICE = Principal(user_id="usr_alice", org_id="org_A", permissions=("feedback:*",))


def drain(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    return [json.loads(m["Body"]) for m in messages]


def test_a_write_becomes_one_domain_event_on_every_queue(aws: Settings) -> None:
    # Given an item written through the API
    created = call(
        "helpdesk", "POST", "/v1/feedback", principal=ALICE, body={"feature": "Tasks", "rating": 3}
    )
    # When the stream is pumped into the real publisher once
    published: list[dict[str, Any]] = []

    def publisher(function: str, event: dict[str, Any]) -> Any:
        from infra.local.invoke import invoke

        published.append(event)
        return invoke(function, event)

    pump = StreamPump(lambda: aws, publisher)
    assert pump.step() is True
    # Then the bus routed exactly one feedback.created event to each queue that takes it, and none
    # to a queue filtered to other events (the exports')
    for spec in QUEUES:
        if spec.detail_types and "feedback.created" not in spec.detail_types:
            assert drain(queue_name(spec)) == []
            continue
        [envelope] = drain(queue_name(spec))
        assert envelope["source"] == "docket"
        assert envelope["detail-type"] == "feedback.created"
        event = DomainEvent.model_validate(envelope["detail"])
        assert (event.org_id, event.entity_id) == ("org_A", created.data["id"])
    # (the audit entry and the rate-limit window written alongside it published nothing)
    types = {r["dynamodb"].get("NewImage", {}).get("type", {}).get("S") for r in published[0]["Records"]}
    assert {"feedback", "audit"} <= types


def sqs_event(*events: DomainEvent, message_ids: list[str] | None = None) -> dict[str, Any]:
    records = []
    for index, event in enumerate(events):
        body = {"source": "docket", "detail-type": event.name, "detail": event.model_dump(by_alias=True)}
        records.append(
            {
                "messageId": (message_ids or [f"m{i}" for i in range(len(events))])[index],
                "receiptHandle": "r",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def domain_event(event_id: str) -> DomainEvent:
    return DomainEvent(
        event_id=event_id,
        name="feedback.created",
        org_id="org_A",
        entity_type="feedback",
        entity_id="fb_1",
        occurred_at="2026-11-22T00:00:00.000Z",
    )


def test_a_consumer_handles_each_event_once_and_reports_only_failures(aws: Settings) -> None:
    handled: list[str] = []

    def handle(event: DomainEvent) -> None:
        if event.event_id == "boom":
            raise RuntimeError("downstream is down")
        handled.append(event.event_id)

    consumer = make_consumer("test-consumer", handle)
    first = consumer(sqs_event(domain_event("e1"), domain_event("boom"), domain_event("e2")), FakeContext())
    assert first == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert handled == ["e1", "e2"]
    # a redelivery of the same events (at-least-once delivery) does not run the handler again
    again = consumer(sqs_event(domain_event("e1"), domain_event("e2")), FakeContext())
    assert again == {"batchItemFailures": []}
    assert handled == ["e1", "e2"]


def test_a_malformed_message_is_a_batch_item_failure(aws: Settings) -> None:
    consumer = make_consumer("test-consumer-2", lambda event: None)
    event = sqs_event(domain_event("ok"), domain_event("bad"))
    event["Records"][1]["body"] = json.dumps({"detail": {"name": "missing fields"}})
    assert consumer(event, FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


@pytest.mark.parametrize("kind", ["INSERT", "MODIFY", "REMOVE"])
def test_records_outside_the_catalog_publish_nothing(aws: Settings, kind: str) -> None:
    from infra.local.invoke import invoke

    record = {
        "eventID": "x",
        "eventName": kind,
        "dynamodb": {"NewImage": {"pk": {"S": "RATE#u"}, "sk": {"S": "read#0"}}, "SequenceNumber": "1"},
    }
    assert invoke("publisher", {"Records": [record]}) == {"batchItemFailures": []}
    for spec in QUEUES:
        assert drain(queue_name(spec)) == []
