"""Sharded tallies: platform-wide counters many writers advance at once, spread over shards, summed when read.

A tally is a set of named counts per period (`DAY#2026-11-22`, `MONTH#2026-11`, `TOTAL`…). Each
`add` advances one shard, chosen at random, with one `UpdateItem ADD`; a read sums the shards. No
single item takes every writer's increments, so a tally scales with its shard count (DynamoDB
takes about 1,000 writes a second per item), and no transaction ever holds one: a hot counter in
a transaction would make concurrent users' transactions conflict. Writers advance tallies after
their own transaction committed (`Transaction.after_commit`), so a count can lag its write, or
be lost if the process dies in between — tallies are statistics, never balances. (An
organization's own counts, exact and kept inside its transactions, are `docket.data.tallies`.)

Keys: `pk = TALLY#<name>#<shard>`, `sk = <period key>`; a range of periods of one shard is one
Query (`sk between`), specific periods of every shard one `BatchGetItem`.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from docket.aws import client
from docket.data.schema import PRIMARY
from docket.observability import logger
from docket.settings import get_settings

#: `BatchGetItem` takes at most 100 keys per call.
_BATCH = 100


def _partition(name: str, shard: int) -> str:
    return f"TALLY#{name}#{shard}"


def add(name: str, period: str, counts: Mapping[str, int], *, shards: int) -> None:
    """Advance the counts of `period` in one shard of tally `name` (zero counts are left out)."""
    wanted = {field: int(value) for field, value in counts.items() if value}
    if not wanted:
        return
    names = {f"#c{index}": field for index, field in enumerate(wanted)}
    values = {f":c{index}": {"N": str(value)} for index, value in enumerate(wanted.values())}
    client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key={
            PRIMARY.partition: {"S": _partition(name, secrets.randbelow(shards))},
            PRIMARY.sort: {"S": period},
        },
        UpdateExpression="ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def add_after_commit(name: str, period: str, counts: Mapping[str, int], *, shards: int) -> None:
    """`add`, for counts that follow a write already committed: a failure is logged, the write
    stands (its request must not fail for a statistic)."""
    try:
        add(name, period, counts, shards=shards)
    except (BotoCoreError, ClientError):
        logger.exception("tally not advanced", extra={"tally": name, "period": period})


def _counts(item: Mapping[str, Any]) -> Counter[str]:
    return Counter(
        {
            field: int(value["N"])
            for field, value in item.items()
            if field not in (PRIMARY.partition, PRIMARY.sort) and "N" in value
        }
    )


def read_range(name: str, first: str, last: str, *, shards: int) -> dict[str, Counter[str]]:
    """Period key → counts summed over the shards, for the periods between `first` and `last`
    (inclusive, in key order): one Query per shard."""
    table = get_settings().table_name
    summed: dict[str, Counter[str]] = {}
    for shard in range(shards):
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#pk": PRIMARY.partition, "#sk": PRIMARY.sort},
            "ExpressionAttributeValues": {
                ":pk": {"S": _partition(name, shard)},
                ":first": {"S": first},
                ":last": {"S": last},
            },
        }
        while True:
            found = client("dynamodb").query(**request)
            for item in found.get("Items", ()):
                summed.setdefault(item[PRIMARY.sort]["S"], Counter()).update(_counts(item))
            if "LastEvaluatedKey" not in found:
                break
            request["ExclusiveStartKey"] = found["LastEvaluatedKey"]
    return dict(sorted(summed.items()))


def read(name: str, periods: Iterable[str], *, shards: int) -> dict[str, Counter[str]]:
    """Counts of each of `periods`, summed over the shards (a period nobody counted: empty)."""
    wanted = list(dict.fromkeys(periods))
    summed: dict[str, Counter[str]] = {period: Counter() for period in wanted}
    keys = [
        {PRIMARY.partition: {"S": _partition(name, shard)}, PRIMARY.sort: {"S": period}}
        for period in wanted
        for shard in range(shards)
    ]
    table = get_settings().table_name
    for start in range(0, len(keys), _BATCH):
        pending: dict[str, Any] = {table: {"Keys": keys[start : start + _BATCH]}}
        while pending:
            found = client("dynamodb").batch_get_item(RequestItems=pending)
            for item in found.get("Responses", {}).get(table, ()):
                summed[item[PRIMARY.sort]["S"]].update(_counts(item))
            pending = found.get("UnprocessedKeys") or {}
    return summed
