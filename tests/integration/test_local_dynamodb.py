"""The embedded DynamoDB (moto patched by `infra.local.dynamodb`): a write costs the same on a full
table as on an empty one, cancelled transactions undo exactly what they touched and leave nothing on
the stream, item operations stay atomic under concurrency, and the stream is trimmed with sequence
numbers that only grow."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table as MotoTable
from moto.dynamodbstreams.models import dynamodbstreams_backends

from docket.settings import Settings
from infra.local import dynamodb
from infra.local.payloads import ACCOUNT, REGION


def key(pk: str, sk: str = "META") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def fill(table: str, count: int) -> None:
    client = boto3.client("dynamodb")
    for start in range(0, count, 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": {**key(f"ORG#o#FILL#{n}"), "gsi1pk": {"S": "ORG#o#FILL"}}}}
                    for n in range(start, min(start + 25, count))
                ]
            }
        )


def moto_table(settings: Settings) -> Any:
    return dynamodb_backends[ACCOUNT][REGION].get_table(settings.table_name)


class Stream:
    """Reads the table's stream as a consumer does (one iterator after another)."""

    def __init__(self, settings: Settings) -> None:
        self.client = boto3.client("dynamodbstreams")
        self.arn = boto3.client("dynamodb").describe_table(TableName=settings.table_name)["Table"][
            "LatestStreamArn"
        ]
        [shard] = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.shard_id = shard["ShardId"]

    def iterator(self, kind: str = "TRIM_HORIZON", sequence: str | None = None) -> str:
        extra = {"SequenceNumber": sequence} if sequence else {}
        return str(
            self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=self.shard_id, ShardIteratorType=kind, **extra
            )["ShardIterator"]
        )

    def read(self, iterator: str) -> tuple[list[dict[str, Any]], str]:
        page = self.client.get_records(ShardIterator=iterator, Limit=1000)
        return page["Records"], page["NextShardIterator"]

    def sequence_numbers(self, iterator: str) -> list[int]:
        records, _ = self.read(iterator)
        return [int(r["dynamodb"]["SequenceNumber"]) for r in records]


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[Item]:
    """Every moto item deep-copied while the test runs."""
    copied: list[Item] = []

    def counting(self: Item, memo: dict[int, Any]) -> Item:
        copied.append(self)
        clone = Item.__new__(Item)
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone

    monkeypatch.setattr(Item, "__deepcopy__", counting, raising=False)
    return copied


# cost ---------------------------------------------------------------------------------------------


def test_a_transaction_copies_only_the_items_it_touches(aws: Settings, copies: list[Item]) -> None:
    # Given a table of 1,000 items and one more to update
    fill(aws.table_name, 1000)
    client = boto3.client("dynamodb")
    client.put_item(TableName=aws.table_name, Item={**key("ORG#o#CASE#1"), "n": {"N": "1"}})
    copies.clear()
    # When a transaction puts one item, updates another and checks a third
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": aws.table_name, "Item": key("ORG#o#CASE#2")}},
            {
                "Update": {
                    "TableName": aws.table_name,
                    "Key": key("ORG#o#CASE#1"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": aws.table_name,
                    "Key": key("ORG#o#FILL#7"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    )
    # Then only the updated item was copied (its undo copy, and the stream's old image) — moto
    # copied the whole table once per action: 3,000 items
    assert len(copies) <= 2
    assert {item.hash_key.value for item in copies} == {"ORG#o#CASE#1"}


def test_a_query_reads_its_partition_not_the_table(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 2,000 items, three of them in one partition and on one index partition
    fill(aws.table_name, 2000)
    client = boto3.client("dynamodb")
    for n in range(3):
        client.put_item(
            TableName=aws.table_name,
            Item={
                **key("ORG#o#CASE#9", f"NOTE#{n}"),
                "gsi1pk": {"S": "ORG#o#NOTES"},
                "gsi1sk": {"S": f"{n}"},
            },
        )
    compared = [0]
    less_than = DynamoType.__lt__

    def counting(self: DynamoType, other: DynamoType) -> bool:
        compared[0] += 1
        return bool(less_than(self, other))

    monkeypatch.setattr(DynamoType, "__lt__", counting)
    # When the partition is queried, on the table and on the index
    by_table = client.query(
        TableName=aws.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "ORG#o#CASE#9"}},
    )["Items"]
    by_index = client.query(
        TableName=aws.table_name,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "ORG#o#NOTES"}},
        ScanIndexForward=False,
    )["Items"]
    # Then both answer the three items in order, having sorted a handful of keys (moto sorted the
    # whole table on each call: tens of thousands of comparisons)
    assert [i["sk"]["S"] for i in by_table] == ["NOTE#0", "NOTE#1", "NOTE#2"]
    assert [i["gsi1sk"]["S"] for i in by_index] == ["2", "1", "0"]
    assert compared[0] < 100


def test_an_index_is_read_in_order_a_page_at_a_time(aws: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 600 items on one index partition (sort keys written out of order, some tied)
    client = boto3.client("dynamodb")
    table = aws.table_name
    for start in range(0, 600, 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {
                                **key(f"ORG#o#FB#{n:04d}"),
                                "gsi1pk": {"S": "ORG#o#FEEDBACK"},
                                "gsi1sk": {"S": f"{(n * 7919) % 300:04d}"},
                            }
                        }
                    }
                    for n in range(start, start + 25)
                ]
            }
        )
    expected = sorted((f"{(n * 7919) % 300:04d}", f"ORG#o#FB#{n:04d}") for n in range(600))

    def pages(forward: bool) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = client.query(
                TableName=table,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :pk",
                ExpressionAttributeValues={":pk": {"S": "ORG#o#FEEDBACK"}},
                ScanIndexForward=forward,
                Limit=50,
                **extra,
            )
            seen += [(i["gsi1sk"]["S"], i["pk"]["S"]) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                return seen

    # When it is read a page of 50 at a time, both ways, Then every item comes once, in order
    assert pages(forward=True) == expected
    assert pages(forward=False) == expected[::-1]
    # and the newest page costs a page's worth of key comparisons, not the partition's
    compared = [0]
    less_than = DynamoType.__lt__

    def counting(self: DynamoType, other: DynamoType) -> bool:
        compared[0] += 1
        return bool(less_than(self, other))

    monkeypatch.setattr(DynamoType, "__lt__", counting)
    newest = client.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "ORG#o#FEEDBACK"}},
        ScanIndexForward=False,
        Limit=20,
    )
    assert [(i["gsi1sk"]["S"], i["pk"]["S"]) for i in newest["Items"]] == expected[::-1][:20]
    assert compared[0] < 300


def test_reading_missing_items_leaves_no_empty_partitions(aws: Settings) -> None:
    # Given a table with one item
    client = boto3.client("dynamodb")
    client.put_item(TableName=aws.table_name, Item=key("ORG#o#CASE#1"))
    # When 500 missing items are read and the one item is deleted
    for n in range(500):
        assert "Item" not in client.get_item(TableName=aws.table_name, Key=key(f"ORG#o#MISSING#{n}"))
    client.delete_item(TableName=aws.table_name, Key=key("ORG#o#CASE#1"))
    # Then moto holds no partition at all (it kept one empty partition per miss)
    assert len(moto_table(aws).items) == 0


def test_the_index_follows_every_write(aws: Settings) -> None:
    # Given an item on an index partition
    client = boto3.client("dynamodb")

    def listed(partition: str) -> list[str]:
        found = client.query(
            TableName=aws.table_name,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )["Items"]
        return [i["pk"]["S"] for i in found]

    client.put_item(
        TableName=aws.table_name, Item={**key("ORG#o#T#1"), "gsi1pk": {"S": "OPEN"}, "gsi1sk": {"S": "1"}}
    )
    assert listed("OPEN") == ["ORG#o#T#1"]
    # When an update moves it to another index partition, then an overwrite drops its index keys
    client.update_item(
        TableName=aws.table_name,
        Key=key("ORG#o#T#1"),
        UpdateExpression="SET gsi1pk = :done",
        ExpressionAttributeValues={":done": {"S": "DONE"}},
    )
    assert (listed("OPEN"), listed("DONE")) == ([], ["ORG#o#T#1"])
    client.put_item(TableName=aws.table_name, Item=key("ORG#o#T#1"))
    assert listed("DONE") == []
    # Then a delete of an indexed item takes it off the index too
    client.put_item(
        TableName=aws.table_name, Item={**key("ORG#o#T#2"), "gsi1pk": {"S": "OPEN"}, "gsi1sk": {"S": "2"}}
    )
    client.delete_item(TableName=aws.table_name, Key=key("ORG#o#T#2"))
    assert listed("OPEN") == []


# cancelled transactions ------------------------------------------------------------------------------


def test_a_cancelled_transaction_restores_exactly_the_touched_items_and_leaves_nothing_on_the_stream(
    aws: Settings,
) -> None:
    # Given an item to update, one to delete, one that blocks the transaction and one bystander
    client = boto3.client("dynamodb")
    table = aws.table_name
    updated = {**key("ORG#o#T#1"), "n": {"N": "1"}, "gsi1pk": {"S": "OPEN"}, "gsi1sk": {"S": "1"}}
    deleted = {**key("ORG#o#T#2"), "n": {"N": "2"}}
    blocker = {**key("ORG#o#T#3"), "n": {"N": "3"}}
    bystander = {**key("ORG#o#T#4"), "n": {"N": "4"}}
    for item in (updated, deleted, blocker, bystander):
        client.put_item(TableName=table, Item=item)
    stream = Stream(aws)
    before = stream.sequence_numbers(stream.iterator())
    latest = stream.iterator("LATEST")

    # When a transaction that puts, updates (moving the index key), deletes and then fails a
    # condition is cancelled
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**key("ORG#o#T#5"), "n": {"N": "5"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": key("ORG#o#T#1"),
                        "UpdateExpression": "SET n = :n, gsi1pk = :done",
                        "ExpressionAttributeValues": {":n": {"N": "10"}, ":done": {"S": "DONE"}},
                    }
                },
                {"Delete": {"TableName": table, "Key": key("ORG#o#T#2")}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": blocker,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"

    # Then every item is as it was, the index too, and the stream has nothing new
    def stored(pk: str) -> dict[str, Any] | None:
        return client.get_item(TableName=table, Key=key(pk), ConsistentRead=True).get("Item")

    assert stored("ORG#o#T#1") == updated
    assert stored("ORG#o#T#2") == deleted
    assert stored("ORG#o#T#3") == blocker
    assert stored("ORG#o#T#4") == bystander
    assert stored("ORG#o#T#5") is None
    open_items = client.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "OPEN"}},
    )["Items"]
    assert [i["pk"]["S"] for i in open_items] == ["ORG#o#T#1"]
    assert stream.read(latest)[0] == []
    # and the next write is numbered after everything handed out before (never a number reused)
    client.put_item(TableName=table, Item=key("ORG#o#T#6"))
    [after] = stream.sequence_numbers(stream.iterator("AFTER_SEQUENCE_NUMBER", str(before[-1])))
    assert after > before[-1]


def test_concurrent_conditional_writes_still_serialize(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given moto reading items slowly (a condition's read and its write are far apart, so writers
    # that were not serialized would both pass the same condition)
    table = aws.table_name
    boto3.client("dynamodb").put_item(TableName=table, Item={**key("ORG#o#COUNTER"), "n": {"N": "0"}})
    read_item = MotoTable.get_item

    def slow_read(self: MotoTable, *args: Any, **kwargs: Any) -> Any:
        found = read_item(self, *args, **kwargs)
        time.sleep(0.002)
        return found

    monkeypatch.setattr(MotoTable, "get_item", slow_read)
    created: list[int] = []
    advanced: list[int] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        client = boto3.session.Session().client("dynamodb")
        try:
            client.put_item(
                TableName=table, Item=key("ORG#o#ONCE"), ConditionExpression="attribute_not_exists(pk)"
            )
            with lock:
                created.append(number)
        except ClientError:
            pass
        for _ in range(5):
            seen = client.get_item(TableName=table, Key=key("ORG#o#COUNTER"), ConsistentRead=True)["Item"]
            value = int(seen["n"]["N"])
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": table,
                                "Key": key("ORG#o#COUNTER"),
                                "UpdateExpression": "SET n = :next",
                                "ConditionExpression": "n = :seen",
                                "ExpressionAttributeValues": {
                                    ":next": {"N": str(value + 1)},
                                    ":seen": {"N": str(value)},
                                },
                            }
                        },
                        {"Put": {"TableName": table, "Item": key(f"ORG#o#NUMBER#{value + 1}")}},
                    ]
                )
            except ClientError:
                continue
            with lock:
                advanced.append(value + 1)

    # When eight writers race for one conditional put and for the counter
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then one put won, each number was taken once with no gap, and the counter names the last one
    assert len(created) == 1
    assert sorted(advanced) == list(range(1, len(advanced) + 1))
    final = boto3.client("dynamodb").get_item(TableName=table, Key=key("ORG#o#COUNTER"))["Item"]
    assert int(final["n"]["N"]) == len(advanced)


# the stream ---------------------------------------------------------------------------------------


def test_records_every_reader_has_passed_are_trimmed_and_numbers_keep_growing(aws: Settings) -> None:
    # Given three writes read by a consumer
    client = boto3.client("dynamodb")
    for n in range(3):
        client.put_item(TableName=aws.table_name, Item=key(f"ORG#o#T#{n}"))
    stream = Stream(aws)
    first, iterator = stream.read(stream.iterator())
    assert len(first) == 3
    # When two more writes arrive
    for n in range(3, 5):
        client.put_item(TableName=aws.table_name, Item=key(f"ORG#o#T#{n}"))
    # Then the consumer reads just those, the stream retains only what it has not read yet, and
    # the numbers continue after the trimmed ones
    second, _ = stream.read(iterator)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in second] == ["ORG#o#T#3", "ORG#o#T#4"]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in first + second]
    assert numbers == sorted(set(numbers))
    client.put_item(TableName=aws.table_name, Item=key("ORG#o#T#5"))
    horizon = stream.sequence_numbers(stream.iterator())
    assert len(horizon) == 1
    assert horizon[0] > numbers[-1]
    assert len(moto_table(aws).stream_shard.items) == 1
    # and reading from a trimmed position is refused, as DynamoDB Streams does
    with pytest.raises(ClientError) as trimmed:
        stream.iterator("AT_SEQUENCE_NUMBER", str(numbers[0]))
    assert trimmed.value.response["Error"]["Code"] == "TrimmedDataAccessException"


def test_records_older_than_24_hours_are_trimmed_without_a_reader(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a record written a day ago, before any consumer started
    client = boto3.client("dynamodb")
    real_now = dynamodb.now
    monkeypatch.setattr(dynamodb, "now", lambda: real_now() - dynamodb.STREAM_RETENTION_S - 1)
    client.put_item(TableName=aws.table_name, Item=key("ORG#o#OLD"))
    monkeypatch.setattr(dynamodb, "now", real_now)
    # When something is written now
    client.put_item(TableName=aws.table_name, Item=key("ORG#o#NEW"))
    # Then the trim horizon is the new record
    stream = Stream(aws)
    records, _ = stream.read(stream.iterator())
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["ORG#o#NEW"]


def test_shard_iterators_expire_after_15_minutes_and_are_forgotten(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a consumer that polled 50 times
    stream = Stream(aws)
    iterator = stream.iterator()
    for _ in range(50):
        _, iterator = stream.read(iterator)
    kept = dynamodbstreams_backends[ACCOUNT][REGION].shard_iterators
    # When 15 minutes pass
    real_now = dynamodb.now
    monkeypatch.setattr(dynamodb, "now", lambda: real_now() + dynamodb.SHARD_ITERATOR_TTL_S + 1)
    # Then its iterator has expired, and a fresh one leaves only itself behind (moto kept all 51)
    with pytest.raises(ClientError) as expired:
        stream.read(iterator)
    assert expired.value.response["Error"]["Code"] == "ExpiredIteratorException"
    stream.read(stream.iterator())
    assert len(kept) <= 2
