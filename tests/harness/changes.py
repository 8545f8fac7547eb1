"""What a firm's stored data went through between two moments, for the isolation checks.

A check marks the moment before the request it judges (`feed.mark()`), sends it, and asks what
changed of the firm since (`feed.changes(firm)`). The answer is read from the record of every
write, not from a comparison of what some reads return before and after: a change no list or
`/me` route shows (a session revoked, a counter moved, an item under another key) is still one,
and a check costs two reads of the log rather than two walks of every route of the firm.

- `TableChanges`: the table's stream (DynamoDB Streams, `NEW_AND_OLD_IMAGES`) on the embedded
  AWS, read after the emulator has settled (`Emulator.settle`: every event taken in so far
  handled, so a write a queue's consumer makes later is inside the window, and one left over from
  an earlier check is not). A record concerns a firm when it names the firm's organization or one
  of its members; a write that changes no attribute is no change.
- `PlantedChanges`: the planted routes keep their items in memory and log their writes here.
- `Feeds`: several feeds read as one (the planted API is the real one but for its planted group).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import boto3

from tests.harness.firms import Firm


class ChangeFeed(Protocol):
    def mark(self) -> None:
        """From now on: what `changes` reports next happened after this call."""

    def changes(self, firm: Firm) -> list[str]:
        """Every change of `firm`'s data since the last `mark`, described."""


def _names(firm: Firm) -> tuple[str, ...]:
    return (firm.org_id, *(member.user_id for member in firm.members))


class TableChanges:
    """The table's stream, read from a `LATEST` iterator taken at each mark.

    The emulator trims what every open iterator has passed and forgets iterators after 15 minutes,
    as DynamoDB does, so the feed holds none between checks: each mark starts at the stream's end."""

    def __init__(self, settle: Callable[[], None], table_name: str) -> None:
        self._settle = settle
        self._table = table_name
        self._streams = boto3.client("dynamodbstreams")
        self._dynamodb = boto3.client("dynamodb")
        self._iterators: dict[str, str | None] = {}
        #: the records written since the last mark
        self._window: list[dict[str, Any]] = []

    def mark(self) -> None:
        self._settle()
        arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self._iterators = {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        }
        self._window = []

    def changes(self, firm: Firm) -> list[str]:
        assert self._iterators, "mark() first"
        self._settle()
        self._window += self._read()
        names = _names(firm)
        return [_describe(record) for record in self._window if _concerns(record, names) and _changed(record)]

    def _read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for shard_id, iterator in self._iterators.items():
            while iterator is not None:
                page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                iterator = page.get("NextShardIterator")
                records += page["Records"]
                if not page["Records"]:
                    break
            self._iterators[shard_id] = iterator
        return records


def _concerns(record: dict[str, Any], names: tuple[str, ...]) -> bool:
    text = json.dumps(record["dynamodb"], default=str)
    return any(name in text for name in names)


def _changed(record: dict[str, Any]) -> bool:
    images = record["dynamodb"]
    return record["eventName"] != "MODIFY" or images.get("OldImage") != images.get("NewImage")


def _plain(image: dict[str, Any] | None) -> dict[str, Any]:
    return {name: next(iter(value.values())) for name, value in (image or {}).items()}


def _describe(record: dict[str, Any]) -> str:
    images = record["dynamodb"]
    keys = _plain(images.get("Keys"))
    where = f"{record['eventName']} {keys.get('pk')} / {keys.get('sk')}"
    old, new = _plain(images.get("OldImage")), _plain(images.get("NewImage"))
    if record["eventName"] == "MODIFY":
        differing = {
            name: (old.get(name), new.get(name))
            for name in sorted({*old, *new})
            if old.get(name) != new.get(name)
        }
        return f"{where}: {differing}"
    return f"{where}: {new or old}"


@dataclass
class PlantedChanges:
    """A log of `(organization, what)` the planted routes append to on every write."""

    log: list[tuple[str, str]] = field(default_factory=list)
    _seen: int = 0

    def mark(self) -> None:
        self._seen = len(self.log)

    def changes(self, firm: Firm) -> list[str]:
        return [what for org_id, what in self.log[self._seen :] if org_id == firm.org_id]


class Feeds:
    def __init__(self, *feeds: ChangeFeed) -> None:
        self._feeds = feeds

    def mark(self) -> None:
        for feed in self._feeds:
            feed.mark()

    def changes(self, firm: Firm) -> list[str]:
        return [change for feed in self._feeds for change in feed.changes(firm)]
