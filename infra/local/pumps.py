"""In-process event-source mappings, so events flow end to end locally: the table's stream into the
publisher, and each queue into its consumer, with the semantics of the stack's mappings
(infra/constructs/events.py): partial batch responses, retries, dead-letter queues.

Each pump is a daemon thread polling moto every ~100 ms. A failing pump logs and backs off; it
never stops the server. A reset of the embedded AWS (`Pumps.forget()`) makes each pump drop its
cached ARNs and iterators at its next step, on its own thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from docket.settings import Settings
from docket.topology import PUBLISHER, QUEUES, QueueSpec
from infra.local.aws import queue_name, stream_failures_queue_name
from infra.local.invoke import Invoker, invoke
from infra.local.payloads import ACCOUNT, REGION, sqs_record, stream_record

log = logging.getLogger("docket.local.pumps")
POLL_S = 0.1
#: Mirrors the publisher's mapping: batch size and retry attempts before the batch goes to the
#: on-failure queue.
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 10
#: Backoff between stream retries: short locally, so a poison record holds the stream ~5 s, not minutes.
STREAM_BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.8)
#: Queue pollers per queue: Lambda polls a queue with several concurrent batches (it starts with
#: five), so a consumer keeps up with a busy producer; one poller would let the queue grow.
QUEUE_POLLERS = 4
#: The threaded pumps long-poll their queues (SQS `WaitTimeSeconds`): an idle queue costs one call a
#: second per poller instead of ten.
QUEUE_WAIT_S = 1
#: Fail fast: a pump retries on its next poll, botocore's own retries would only add delay.
#: How long `Pumps.settle` waits for the pipeline to go quiet (a retried message comes back after
#: LOCAL_VISIBILITY_S, a poison one reaches its DLQ after a few such rounds).
SETTLE_TIMEOUT_S = 30.0
#: A queue's messages not yet handled: waiting, received by a consumer and not deleted, delayed.
_PENDING = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=10)


class Pump(threading.Thread):
    """A poll loop on a daemon thread, with its own boto3 session (sessions are not thread-safe)."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._stopping = threading.Event()
        self._stale = threading.Event()
        #: Held during each step, so `Pumps.paused()` can wait for the pump to be between steps.
        self.gate = threading.Lock()
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        #: Steps completed, and of those the ones that delivered something (`Pumps.settle` reads them).
        self.steps = 0
        self.busy_steps = 0

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, config=_CLIENT_CONFIG)
        return self._clients[service]

    def stop(self) -> None:
        self._stopping.set()

    def forget(self) -> None:
        """Ask the pump to drop cached AWS state (after a reset of the embedded AWS)."""
        self._stale.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                with self.gate:
                    busy = self.step()
            except (ClientError, BotoCoreError) as exc:
                # typically a reset of the embedded AWS under the pump's feet: no traceback
                log.warning("%s: %s; retrying", self.name, exc)
                self._stale.set()
                self._stopping.wait(1.0)
                continue
            except Exception:
                log.exception("%s failed; retrying", self.name)
                self._stale.set()
                self._stopping.wait(1.0)
                continue
            self.busy_steps += busy
            self.steps += 1
            if not busy:
                self._stopping.wait(POLL_S)

    def step(self) -> bool:
        """One poll; True when it delivered something (the loop polls again at once)."""
        if self._stale.is_set():
            self._stale.clear()
            self.reset_state()
        return self.poll()

    def poll(self) -> bool:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Drop cached ARNs, URLs and iterators."""


class StreamPump(Pump):
    """The table's stream → the publisher (TRIM_HORIZON, as the stack's mapping starts).

    Starting at the trim horizon rather than LATEST is deliberate: the emulator creates the table
    itself, so the whole stream is this run's, and nothing written before the first poll is lost.
    `batchItemFailures` are honoured as Lambda does (the batch is retried from the first failed
    record); an invocation error retries the batch; after STREAM_RETRY_ATTEMPTS the batch goes to
    the on-failure queue (batch info only, as Lambda's on-failure destination) and is skipped.
    """

    def __init__(
        self,
        settings_of: Callable[[], Settings],
        invoker: Invoker = invoke,
        *,
        function: str = PUBLISHER,
        retry_attempts: int = STREAM_RETRY_ATTEMPTS,
    ) -> None:
        super().__init__("stream-pump")
        self._settings_of = settings_of
        self._invoke = invoker
        self._function = function
        self._retry_attempts = retry_attempts
        self._stream_arn: str | None = None
        self._iterators: dict[str, str | None] = {}
        #: The last sequence number handled per shard (of the stream `_positions_on`): where to
        #: resume when an iterator is lost.
        self._positions: dict[str, str] = {}
        self._positions_on: str | None = None

    def reset_state(self) -> None:
        # positions survive: on the same stream the pump resumes after the last handled record
        self._stream_arn = None
        self._iterators = {}

    def _discover(self) -> None:
        """The table's stream and an iterator per shard (once, and again after a reset or an error)."""
        if self._stream_arn is not None:
            return
        table = self._settings_of().table_name
        arn = self.client("dynamodb").describe_table(TableName=table)["Table"].get("LatestStreamArn")
        if arn is None:
            return
        if arn != self._positions_on:  # a new table (a reset account): start at its trim horizon
            self._positions = {}
            self._positions_on = arn
        streams = self.client("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = self._iterator(arn, shard["ShardId"])
        self._stream_arn = arn

    def _iterator(self, arn: str, shard_id: str) -> str:
        position = self._positions.get(shard_id)
        if position is None:
            kwargs: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        streams = self.client("dynamodbstreams")
        try:
            found = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **kwargs)
        except streams.exceptions.TrimmedDataAccessException:
            # the records after the position are past retention: Lambda moves on to the trim horizon
            log.error("stream records after %s were trimmed before they were handled", position)
            found = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )
        return str(found["ShardIterator"])

    def poll(self) -> bool:
        self._discover()
        streams = self.client("dynamodbstreams")
        busy = False
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:  # a closed shard
                continue
            try:
                page = streams.get_records(ShardIterator=iterator, Limit=STREAM_BATCH_SIZE)
            except (
                streams.exceptions.ExpiredIteratorException,
                streams.exceptions.TrimmedDataAccessException,
            ):
                # (the pump was paused for 15 minutes, say): resume after the last handled record
                self._iterators[shard_id] = self._iterator(str(self._stream_arn), shard_id)
                return True
            self._iterators[shard_id] = page.get("NextShardIterator")
            records = [stream_record(r, str(self._stream_arn)) for r in page.get("Records", [])]
            if records:
                busy = True
                self._deliver(shard_id, records)
                self._positions[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return busy

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        pending = records
        for attempt in range(self._retry_attempts + 1):
            try:
                result = self._invoke(self._function, {"Records": pending}) or {}
                failed = {str(f["itemIdentifier"]) for f in result.get("batchItemFailures") or []}
            except Exception:
                log.exception("%s failed on a stream batch (attempt %d)", self._function, attempt + 1)
                failed = {pending[0]["dynamodb"]["SequenceNumber"]}
            if not failed:
                return
            # like the real event source: retry from the first failed record on
            first = next((i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failed), 0)
            pending = pending[first:]
            if attempt < self._retry_attempts:
                self._stopping.wait(STREAM_BACKOFF_S[min(attempt, len(STREAM_BACKOFF_S) - 1)])
        log.error("%d stream records skipped after %d retries", len(pending), self._retry_attempts)
        self._on_failure(shard_id, pending)

    def _on_failure(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=stream_failures_queue_name())["QueueUrl"]
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "requestId": str(uuid.uuid4()),
                        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:docket-{self._function}",
                        "condition": "RetryAttemptsExhausted",
                        "approximateInvokeCount": self._retry_attempts + 1,
                    },
                    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
                    "version": "1.0",
                    "timestamp": now,
                    "DDBStreamBatchInfo": {
                        "shardId": shard_id,
                        "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(records),
                        "streamArn": self._stream_arn,
                    },
                }
            ),
        )


class QueuePump(Pump):
    """A queue → its consumer. Messages not listed in `batchItemFailures` are deleted; the failed
    ones (or the whole batch, when the invocation fails) come back after the queue's visibility
    timeout, and SQS moves them to the DLQ after maxReceiveCount receives (the queue's redrive)."""

    def __init__(
        self, spec: QueueSpec, invoker: Invoker = invoke, *, wait_s: int = 0, poller: int = 0
    ) -> None:
        super().__init__(f"queue-pump-{spec.name}-{poller}")
        self.spec = spec
        self._invoke = invoker
        self._wait_s = wait_s
        self._url: str | None = None
        self._arn: str | None = None

    def reset_state(self) -> None:
        self._url = self._arn = None

    def poll(self) -> bool:
        sqs = self.client("sqs")
        if self._url is None:
            self._url = sqs.get_queue_url(QueueName=queue_name(self.spec))["QueueUrl"]
            self._arn = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        received = sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(self.spec.batch_size, 10),
            WaitTimeSeconds=self._wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return False
        event = {"Records": [sqs_record(m, str(self._arn)) for m in received]}
        try:
            result = self._invoke(self.spec.consumer, event) or {}
            failed = {str(f["itemIdentifier"]) for f in result.get("batchItemFailures") or []}
        except Exception:
            log.exception("%s failed the whole batch", self.spec.consumer)
            failed = {m["MessageId"] for m in received}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return True


class Pumps:
    """Every pump of the stack: the stream, and `QUEUE_POLLERS` long-polling pollers per
    `topology.QUEUES` entry."""

    def __init__(
        self,
        settings_of: Callable[[], Settings],
        invoker: Invoker = invoke,
        queues: tuple[QueueSpec, ...] = QUEUES,
        *,
        pollers: int = QUEUE_POLLERS,
    ) -> None:
        self.threads: list[Pump] = [StreamPump(settings_of, invoker)]
        self.threads += [
            QueuePump(spec, invoker, wait_s=QUEUE_WAIT_S, poller=n) for spec in queues for n in range(pollers)
        ]
        #: the client `settle` reads the queues with (on the caller's thread)
        self._sqs: Any = None

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def forget(self) -> None:
        for thread in self.threads:
            thread.forget()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No pump polls inside this block (e.g. while the embedded AWS is reset); afterwards each
        drops its cached ARNs and iterators."""
        for thread in self.threads:
            thread.gate.acquire()
        try:
            yield
        finally:
            for thread in self.threads:
                thread.forget()
                thread.gate.release()

    def settle(self, timeout: float = SETTLE_TIMEOUT_S) -> None:
        """Return once everything taken in so far has been handled: the stream read to its end
        with nothing left to deliver, and no queue holding a message (waiting, in flight to its
        consumer, back for a retry or delayed). A consumer's writes reach the stream before it
        deletes its message, so the stream is read once more after the queues are seen empty.
        Raises TimeoutError when the pipeline is still busy after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        stream = self.threads[0]
        while time.monotonic() < deadline:
            if (
                self._stream_quiet(stream, deadline)
                and self._queues_empty()
                and self._stream_quiet(stream, deadline)
            ):
                return
            time.sleep(POLL_S)
        raise TimeoutError(f"the emulator's event pipeline is still busy after {timeout} s")

    @staticmethod
    def _stream_quiet(stream: Pump, deadline: float) -> bool:
        """Whether a whole stream step begun after this call (and the one under way) delivered
        nothing."""
        steps, busy = stream.steps, stream.busy_steps
        while stream.steps < steps + 2:
            if time.monotonic() > deadline or not stream.is_alive():
                return False
            time.sleep(POLL_S / 4)
        return stream.busy_steps == busy

    def _queues_empty(self) -> bool:
        if self._sqs is None:
            self._sqs = boto3.session.Session().client("sqs", config=_CLIENT_CONFIG)
        for spec in {thread.spec for thread in self.threads if isinstance(thread, QueuePump)}:
            url = self._sqs.get_queue_url(QueueName=queue_name(spec))["QueueUrl"]
            counts = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_PENDING))
            if any(int(counts["Attributes"].get(name, 0)) for name in _PENDING):
                return False
        return True

    def stop(self) -> None:
        for thread in self.threads:
            thread.stop()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout=5)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll `condition` until it holds or `timeout` passes (for tests of asynchronous flows)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
