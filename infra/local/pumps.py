"""In-process pumps, so events flow end to end locally: the table stream into the publisher, and
each queue into its consumer — with the batch-failure semantics of the real event sources."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3

from docket.settings import Settings
from docket.topology import PUBLISHER, QUEUES, QueueSpec
from infra.local.aws import REGION, queue_name
from infra.local.invoke import invoke

log = logging.getLogger("docket.local.pumps")
POLL_S = 0.1
#: A stream batch that keeps failing is retried this often, then skipped (Lambda's retry attempts).
STREAM_RETRIES = 3

Invoker = Callable[[str, dict[str, Any]], Any]


class _Pump(threading.Thread):
    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self._stopping = threading.Event()
        # boto3's default session is not safe to share across threads: each pump has its own
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.step()
            except Exception:  # a pump never dies: log, back off, go on
                log.exception("%s failed", self.name)
                self.forget()
                busy = False
                self._stopping.wait(1.0)
            if not busy:
                self._stopping.wait(POLL_S)

    def step(self) -> bool:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop cached AWS state (after a reset of the embedded AWS)."""


class StreamPump(_Pump):
    """DynamoDB stream → the publisher, one shard iterator per shard, from the start of the stream."""

    def __init__(self, settings_of: Callable[[], Settings], invoker: Invoker = invoke):
        super().__init__("stream-pump")
        self._settings_of = settings_of
        self._invoke = invoker
        self._stream_arn: str | None = None
        self._iterators: dict[str, str] = {}

    def forget(self) -> None:
        self._stream_arn = None
        self._iterators = {}

    def _discover(self) -> None:
        table = self._settings_of().table_name
        arn = self.client("dynamodb").describe_table(TableName=table)["Table"].get("LatestStreamArn")
        if arn != self._stream_arn:
            self._stream_arn = arn
            self._iterators = {}
        streams = self.client("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def step(self) -> bool:
        self._discover()
        streams = self.client("dynamodbstreams")
        busy = False
        for shard_id, iterator in list(self._iterators.items()):
            page = streams.get_records(ShardIterator=iterator, Limit=100)
            self._iterators[shard_id] = page["NextShardIterator"]
            records = [self._lambda_record(r) for r in page.get("Records", [])]
            if records:
                busy = True
                self._deliver(records)
        return busy

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": change,
            "eventSourceARN": self._stream_arn,
        }

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        pending = records
        for _ in range(STREAM_RETRIES + 1):
            result = self._invoke(PUBLISHER, {"Records": pending}) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            if not failed:
                return
            # like the real event source: retry from the first failed record on
            first = next(i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failed)
            pending = pending[first:]
        log.error("stream records dropped after %d retries: %d", STREAM_RETRIES, len(pending))


class QueuePump(_Pump):
    """An SQS queue → its consumer, with partial batch responses."""

    def __init__(self, spec: QueueSpec, invoker: Invoker = invoke):
        super().__init__(f"queue-pump-{spec.name}")
        self._spec = spec
        self._invoke = invoker
        self._url: str | None = None
        self._arn: str | None = None

    def forget(self) -> None:
        self._url = self._arn = None

    def step(self) -> bool:
        sqs = self.client("sqs")
        if self._url is None:
            self._url = sqs.get_queue_url(QueueName=queue_name(self._spec))["QueueUrl"]
            self._arn = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        received = sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(self._spec.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return False
        event = {"Records": [self._lambda_record(m) for m in received]}
        try:
            result = self._invoke(self._spec.consumer, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:
            log.exception("consumer %s failed the whole batch", self._spec.consumer)
            failed = {m["MessageId"] for m in received}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return True

    def _lambda_record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }


class Pumps:
    def __init__(self, settings_of: Callable[[], Settings], invoker: Invoker = invoke):
        self.threads: list[_Pump] = [StreamPump(settings_of, invoker)]
        self.threads += [QueuePump(spec, invoker) for spec in QUEUES]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def forget(self) -> None:
        for thread in self.threads:
            thread.forget()

    def stop(self) -> None:
        for thread in self.threads:
            thread.stop()
        for thread in self.threads:
            thread.join(timeout=5)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
