"""The embedded SQS (moto patched by `infra.local.sqs`): a send costs the same with a backlog."""

from __future__ import annotations

import boto3
import pytest
from moto.sqs.models import Message

from docket.settings import Settings


def test_a_send_does_not_walk_the_backlog(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a queue with a backlog of 200 messages
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="docket-local-backlog")["QueueUrl"]
    for start in range(0, 200, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, start + 10)]
        )
    looked_at = [0]
    visible = Message.visible

    def counting(self: Message) -> bool:
        looked_at[0] += 1
        return bool(visible.fget(self))  # type: ignore[attr-defined]

    monkeypatch.setattr(Message, "visible", property(counting))
    # When one more message is sent
    sqs.send_message(QueueUrl=url, MessageBody="one more")
    # Then no message of the backlog was looked at (moto counted them all three times per send)
    assert looked_at[0] == 0
    # and the queue still counts them when asked
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "201"
    assert attributes["QueueArn"].endswith(":docket-local-backlog")
