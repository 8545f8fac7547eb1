"""moto's DynamoDB, made to hold up like DynamoDB where Docket relies on it (`install()`, once per
process, before the embedded AWS serves a request).

moto 5.2.5 is faithful in what it answers but not in what it costs, and its costs grow with
everything written before: a long `make dev` session or a soak run slows and bloats. Each change
below keeps moto's answers and removes a cost DynamoDB does not have:

- **Item operations one at a time.** DynamoDB applies each conditional write and each transaction
  atomically; moto's threaded server does not (two requests at once can both pass an
  `attribute_not_exists` condition). Every item operation, and every stream read, runs under one
  lock — so a stream reader never sees a transaction that is still running.
- **Transactions undo only what they touched.** moto deep-copies every table a transaction names,
  stream shard included, once per item of the transaction, and restores those copies when it is
  cancelled. Here a transaction remembers each item before it changes it (a copy of that item
  alone) and the stream position; a cancelled one puts exactly those items back and drops the
  stream records it wrote, so it leaves nothing on the stream (as on AWS).
- **Queries read their partition.** moto's Query sorts every item of the table on each call (on the
  table and on every index). Here a table Query reads its partition, and an index Query reads the
  items whose index partition key has the asked value (an index of the GSI partition keys is kept
  beside the items, updated by each write). Scan still reads everything, as it does on DynamoDB.
- **No empty partitions.** moto's `get_item` of a missing item leaves an empty partition behind,
  and a delete leaves the emptied one: both are gone here.
- **Streams are trimmed.** moto keeps every stream record forever and numbers them by position.
  Here sequence numbers only grow (a cancelled transaction leaves a gap, never a reused number);
  records older than 24 hours are trimmed, as DynamoDB does, and so are records every open shard
  iterator has passed (locally the one consumer is the stream pump, so what it has read is gone);
  TRIM_HORIZON starts at the oldest retained record, and an iterator positioned before it raises
  `TrimmedDataAccessException`. Shard iterators expire after 15 minutes (`ExpiredIteratorException`)
  and are forgotten then; moto kept every one, and a poller makes one per poll. moto's own Lambda
  event-source mappings are not fed (Docket's pump is the mapping).
"""

from __future__ import annotations

import bisect
import copy
import inspect
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

__all__ = ["SHARD_ITERATOR_TTL_S", "STREAM_RETENTION_S", "install", "serialize_dynamodb_items"]

#: DynamoDB Streams keeps a record for 24 hours.
STREAM_RETENTION_S = 24 * 3600
#: A shard iterator expires 15 minutes after it was returned.
SHARD_ITERATOR_TTL_S = 15 * 60

#: DynamoDB operations that read or write items (and the table's item count).
_ITEM_OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_write_items",
    "transact_get_items",
    "describe_table",
)
_STREAM_OPERATIONS = ("get_shard_iterator", "get_records")
_item_lock = threading.RLock()


def now() -> float:
    """Wall-clock seconds for stream retention and iterator expiry (tests move it)."""
    return time.time()


# ---------------------------------------------------------------------------------------------
# item operations one at a time


def _serialized(operation: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(operation)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _item_lock:
            return operation(*args, **kwargs)

    return run


@cache
def serialize_dynamodb_items() -> None:
    """Make the embedded DynamoDB apply item operations (and stream reads) one at a time."""
    for name in _ITEM_OPERATIONS:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    for name in _STREAM_OPERATIONS:
        setattr(DynamoDBStreamsBackend, name, _serialized(getattr(DynamoDBStreamsBackend, name)))


# ---------------------------------------------------------------------------------------------
# partitions and the GSI partition-key index

Key = tuple[DynamoType, DynamoType | None]


def _lookup(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    """The stored item, without creating an empty partition (moto's `items` is a defaultdict)."""
    if table.range_key_attr is None:
        found = table.items.get(hash_key)
        return found if isinstance(found, Item) else None
    partition = table.items.get(hash_key)
    return None if partition is None or range_key is None else partition.get(range_key)


def _store(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Item | None) -> None:
    """Put `item` at the key (None: remove it, dropping an emptied partition)."""
    if table.range_key_attr is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        partition = table.items.get(hash_key)
        if partition is not None:
            partition.pop(range_key, None)
            if not partition:
                del table.items[hash_key]
    else:
        table.items[hash_key][range_key] = item


class _IndexKeys:
    """Items by the partition-key value of each global secondary index of one table, each index
    partition also kept in the index's order (sort key, then the table's keys: moto's order)."""

    def __init__(self, table: Table) -> None:
        self.layout = _index_layout(table)
        self.table_keys = (table.hash_key_attr, table.range_key_attr)
        #: index name → partition value → primary key → item
        self.partitions: dict[str, dict[DynamoType, dict[Key, Item]]] = {
            name: {} for name, _, _ in self.layout
        }
        #: index name → partition value → [(order, primary key)], sorted (items with the sort key)
        self.ordered: dict[str, dict[DynamoType, list[tuple[tuple[Any, ...], Key]]]] = {
            name: {} for name, _, _ in self.layout
        }
        #: primary key → the (index name, partition value, order) entries it is in
        self.entries: dict[Key, list[tuple[str, DynamoType, tuple[Any, ...] | None]]] = {}
        for item in _every_item(table):
            self.add(item)

    def order(self, sort_attribute: str, attrs: dict[str, Any]) -> tuple[Any, ...] | None:
        hash_attribute, range_attribute = self.table_keys
        if sort_attribute not in attrs:
            return None
        return (
            attrs[sort_attribute],
            attrs[hash_attribute],
            attrs[range_attribute] if range_attribute else None,
        )

    def add(self, item: Item) -> None:
        key = (item.hash_key, item.range_key)
        placed: list[tuple[str, DynamoType, tuple[Any, ...] | None]] = []
        for name, attribute, sort_attribute in self.layout:
            value = item.attrs.get(attribute)
            if value is None:
                continue
            self.partitions[name].setdefault(value, {})[key] = item
            order = self.order(sort_attribute, item.attrs) if sort_attribute else None
            if order is not None:
                bisect.insort(self.ordered[name].setdefault(value, []), (order, key), key=_first)
            placed.append((name, value, order))
        if placed:
            self.entries[key] = placed

    def remove(self, key: Key) -> None:
        for name, value, order in self.entries.pop(key, ()):
            partition = self.partitions[name].get(value)
            if partition is not None:
                partition.pop(key, None)
                if not partition:
                    del self.partitions[name][value]
            if order is not None:
                ordered = self.ordered[name][value]
                del ordered[bisect.bisect_left(ordered, order, key=_first)]
                if not ordered:
                    del self.ordered[name][value]

    def items(self, index: str, value: DynamoType) -> list[Item]:
        return list(self.partitions[index].get(value, {}).values())

    def page(
        self, index: str, value: DynamoType, *, limit: int, forward: bool, after: dict[str, Any] | None
    ) -> list[Item] | None:
        """The `limit` + 1 items a page can hold, in index order after `after` (an exclusive start
        key), without reading the rest of the partition (DynamoDB reads an index in order, too)."""
        sort_attribute = next(s for n, _, s in self.layout if n == index)
        if sort_attribute is None:
            return None
        ordered = self.ordered[index].get(value, [])
        start = None
        if after is not None:
            start = self.order(sort_attribute, {k: DynamoType(v) for k, v in after.items()})
            if start is None:
                return None
        if forward:
            first = 0 if start is None else bisect.bisect_right(ordered, start, key=_first)
            chosen = ordered[first : first + limit + 1]
        else:
            end = len(ordered) if start is None else bisect.bisect_left(ordered, start, key=_first)
            chosen = ordered[max(0, end - limit - 1) : end]
        partition = self.partitions[index].get(value, {})
        return [partition[key] for _, key in chosen]


def _first(entry: tuple[tuple[Any, ...], Key]) -> tuple[Any, ...]:
    return entry[0]


def _index_layout(table: Table) -> tuple[tuple[str, str, str | None], ...]:
    """(index name, partition-key attribute, sort-key attribute) of each GSI."""
    layout = []
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if hashes:
            layout.append((index.name, hashes[0], ranges[0] if len(ranges) == 1 else None))
    return tuple(layout)


def _every_item(table: Table) -> Iterator[Item]:
    for partition in table.items.values():
        if isinstance(partition, Item):
            yield partition
        else:
            yield from partition.values()


def _index_keys(table: Table, *, build: bool) -> _IndexKeys | None:
    """The table's GSI index, built from its items on first use (and again if its GSIs changed)."""
    current: _IndexKeys | None = table.__dict__.get("_docket_index_keys")
    if current is not None and current.layout == _index_layout(table):
        return current
    if not build:
        table.__dict__.pop("_docket_index_keys", None)
        return None
    current = _IndexKeys(table)
    table.__dict__["_docket_index_keys"] = current
    return current


def _reindex(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    index = _index_keys(table, build=False)
    if index is None:
        return
    index.remove((hash_key, range_key))
    item = _lookup(table, hash_key, range_key)
    if item is not None:
        index.add(item)


def _key_of(table: Table, key: dict[str, Any]) -> Key:
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


#: While a Query runs: the table and the only items it can match (`Table.all_items` answers them).
_narrowed: ContextVar[tuple[Table, list[Item]] | None] = ContextVar("docket_narrowed_query", default=None)


def _primary_order(item: Item) -> Any:
    # moto's own order for all_items()
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _query_candidates(table: Table, arguments: dict[str, Any]) -> list[Item] | None:
    """The items a Query can match (a superset moto then filters), or None to let moto read all."""
    index_name = arguments.get("index_name")
    if not index_name:
        hash_key = arguments.get("hash_key")
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return [partition] if isinstance(partition, Item) else list(partition.values())
    conditions = arguments.get("hash_key_conditions") or []
    if not conditions:
        return None
    attribute, value = conditions[0]
    if attribute == table.hash_key_attr:  # a local index: the table's partition
        partition = table.items.get(value)
        if partition is None:
            return []
        return [partition] if isinstance(partition, Item) else list(partition.values())
    index = _index_keys(table, build=True)
    assert index is not None
    if not any(name == index_name and hashed == attribute for name, hashed, _ in index.layout):
        return None
    limit = arguments.get("limit")
    ranged = arguments.get("range_comparison") or arguments.get("range_key_conditions")
    if (
        isinstance(limit, int)
        and limit > 0
        and not ranged
        and len(conditions) == 1
        and not arguments.get("filter_kwargs")
    ):
        page = index.page(
            index_name,
            value,
            limit=limit,
            forward=arguments.get("scan_index_forward") is not False,
            after=arguments.get("exclusive_start_key"),
        )
        if page is not None:
            return page
    return index.items(index_name, value)


# ---------------------------------------------------------------------------------------------
# streams


class TrimmedDataAccessException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException",
            "The operation attempted to read past the oldest stream record in a shard.",
        )


class ExpiredIteratorException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "ExpiredIteratorException", "Iterator expired. The iterator was created over 15 minutes ago."
        )


def _sequence(record: StreamRecord) -> int:
    return int(record.record["dynamodb"]["SequenceNumber"])


def _next_sequence(shard: StreamShard) -> int:
    found = shard.__dict__.get("_docket_next")
    if found is None:
        found = _sequence(shard.items[-1]) + 1 if shard.items else int(shard.starting_sequence_number)
    return int(found)


def _oldest_retained(shard: StreamShard) -> int:
    """The sequence number TRIM_HORIZON starts at (the next one when nothing is retained)."""
    return _sequence(shard.items[0]) if shard.items else _next_sequence(shard)


def _open_iterators(shard: StreamShard) -> dict[str, tuple[int, float]]:
    """Iterators handed out and not used yet: id → (position, created)."""
    found: dict[str, tuple[int, float]] = shard.__dict__.setdefault("_docket_open", {})
    return found


def _trimmed_below(shard: StreamShard) -> int:
    """Every record numbered below this is gone (0: none was trimmed)."""
    return int(shard.__dict__.get("_docket_trimmed_below", 0))


def _trim(shard: StreamShard) -> None:
    """Drop records past retention, and records every open iterator has passed."""
    moment = now()
    opened = _open_iterators(shard)
    for iterator_id, (_, created) in list(opened.items()):
        if created < moment - SHARD_ITERATOR_TTL_S:
            del opened[iterator_id]
    cutoff = min((position for position, _ in opened.values()), default=None)
    drop = 0
    for record in shard.items:
        expired = record.__dict__.get("_docket_created", moment) < moment - STREAM_RETENTION_S
        if not (expired or (cutoff is not None and _sequence(record) < cutoff)):
            break
        drop += 1
    if drop:
        shard.__dict__["_docket_trimmed_below"] = _sequence(shard.items[drop - 1]) + 1
        del shard.items[:drop]


def _shard_add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    view = self.table.stream_specification["StreamViewType"]  # type: ignore[index]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    sequence = _next_sequence(self)
    record = StreamRecord(self.table, view, event_name, old, new, sequence)
    record.__dict__["_docket_created"] = now()
    self.items.append(record)
    self.__dict__["_docket_next"] = sequence + 1
    _trim(self)


def _shard_get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    first = bisect.bisect_left(self.items, start, key=_sequence)
    return [record.to_json() for record in self.items[first : first + quantity]]


_original_iterator_init = ShardIterator.__init__


def _iterator_init(
    self: ShardIterator,
    streams_backend: DynamoDBStreamsBackend,
    stream_shard: StreamShard,
    shard_iterator_type: str,
    sequence_number: int | None = None,
) -> None:
    _trim(stream_shard)
    _original_iterator_init(self, streams_backend, stream_shard, shard_iterator_type, sequence_number)
    if shard_iterator_type == "TRIM_HORIZON":
        self.sequence_number = _oldest_retained(stream_shard)
    elif shard_iterator_type == "LATEST":
        self.sequence_number = _next_sequence(stream_shard)
    elif int(self.sequence_number) < _trimmed_below(stream_shard):
        raise TrimmedDataAccessException()
    created = now()
    self.__dict__["_docket_created"] = created
    _open_iterators(stream_shard)[self.id] = (int(self.sequence_number), created)
    # forget expired iterators (they are kept in creation order)
    registry = streams_backend.shard_iterators
    for arn in list(registry):
        if registry[arn].__dict__.get("_docket_created", created) >= created - SHARD_ITERATOR_TTL_S:
            break
        del registry[arn]


_original_iterator_get = ShardIterator.get


def _iterator_get(self: ShardIterator, limit: int = 1000) -> dict[str, Any]:
    if self.__dict__.get("_docket_created", now()) < now() - SHARD_ITERATOR_TTL_S:
        raise ExpiredIteratorException()
    if self.sequence_number < _trimmed_below(self.stream_shard):
        raise TrimmedDataAccessException()
    _open_iterators(self.stream_shard).pop(self.id, None)
    return dict(_original_iterator_get(self, limit))


def _get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    iterator = self.shard_iterators.get(iterator_arn)
    if iterator is None:
        raise ExpiredIteratorException()
    return iterator.get(limit)


# ---------------------------------------------------------------------------------------------
# transactions


class _Undo:
    """What a transaction changed: each touched item as it was, and where each stream ended."""

    def __init__(self, backend: DynamoDBBackend) -> None:
        self.backend = backend
        self.items: dict[tuple[str, Key], tuple[Table, Item | None]] = {}
        self.streams: dict[str, tuple[StreamShard, int]] = {}

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.get_table(table_name)
        primary = _key_of(table, key)
        if (table.name, primary) in self.items:
            return
        current = _lookup(table, *primary)
        self.items[(table.name, primary)] = (table, copy.deepcopy(current) if current is not None else None)
        if table.stream_shard is not None and table.name not in self.streams:
            self.streams[table.name] = (table.stream_shard, _next_sequence(table.stream_shard))

    def restore(self) -> None:
        for (_, (hash_key, range_key)), (table, before) in self.items.items():
            _store(table, hash_key, range_key, before)
            _reindex(table, hash_key, range_key)
        for shard, first_written in self.streams.values():
            # the sequence numbers stay spent: a reader never sees one twice
            while shard.items and _sequence(shard.items[-1]) >= first_written:
                shard.items.pop()


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems, undoing only the touched items (see the module docstring)."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _Undo(self)
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    try:
        for entry in transact_items:
            original_item: dict[str, Any] | None = None
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(entry.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)

                current = self.get_item(table_name, key)
                if condition is not None and not get_filter_expression(condition, names, values).expr(
                    current
                ):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
                if op_type != "ConditionCheck":
                    undo.remember(table_name, key)
                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), original_item))  # type: ignore[arg-type]
            except Exception as exc:  # moto's rule: any other failure cancels with its name
                errors.append((type(exc).__name__, str(exc), original_item))  # type: ignore[arg-type]
    except BaseException:
        undo.restore()
        raise
    if any(code is not None for code, _, _ in errors):
        undo.restore()
        raise TransactionCanceledException(errors)


# ---------------------------------------------------------------------------------------------
# installing


def _table_get_item(
    self: Table,
    hash_key: DynamoType,
    range_key: DynamoType | None = None,
    projection_expression: list[list[str]] | None = None,
) -> Item | None:
    if self.has_range_key and not range_key:
        raise MockValidationException("Table has a range key, but no range key was passed into get_item")
    result = _lookup(self, hash_key, range_key)
    if projection_expression and result:
        result = result.project(projection_expression)
    return result


def _table_delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    item = _lookup(self, hash_key, range_key)
    if item is None:
        return None
    _store(self, hash_key, range_key, None)
    _reindex(self, hash_key, range_key)
    if self.stream_shard is not None:
        self.stream_shard.add(item, None)
    return item


@cache
def install() -> None:
    """Patch moto's DynamoDB and DynamoDB Streams in this process (idempotent)."""
    original_put = Table.put_item

    @wraps(original_put)
    def table_put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
        item: Item = original_put(self, *args, **kwargs)
        _reindex(self, item.hash_key, item.range_key)
        return item

    original_update = DynamoDBBackend.update_item

    @wraps(original_update)
    def update_item(
        self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Item:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:
            # the update changed the stored item in place: its index entries may have moved
            table = self.get_table(table_name)
            if table.hash_key_attr in key and (table.range_key_attr is None or table.range_key_attr in key):
                _reindex(table, *_key_of(table, key))

    original_query = Table.query
    query_signature = inspect.signature(original_query)

    @wraps(original_query)
    def table_query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = query_signature.bind(self, *args, **kwargs).arguments
        candidates = _query_candidates(self, arguments)
        if candidates is None:
            return original_query(self, *args, **kwargs)
        token = _narrowed.set((self, candidates))
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _narrowed.reset(token)

    original_all_items = Table.all_items

    @wraps(original_all_items)
    def all_items(self: Table) -> list[Item]:
        narrowed = _narrowed.get()
        if narrowed is not None and narrowed[0] is self:
            return sorted(narrowed[1], key=_primary_order)
        return list(original_all_items(self))

    Table.put_item = table_put_item  # type: ignore[method-assign]
    Table.get_item = _table_get_item  # type: ignore[method-assign]
    Table.delete_item = _table_delete_item  # type: ignore[method-assign]
    Table.query = table_query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    StreamShard.add = _shard_add  # type: ignore[method-assign]
    StreamShard.get = _shard_get  # type: ignore[method-assign]
    ShardIterator.__init__ = _iterator_init  # type: ignore[method-assign]
    ShardIterator.get = _iterator_get  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = _get_records  # type: ignore[method-assign]
    # the lock wraps the patched operations, so a whole transaction (or stream read) is one step
    serialize_dynamodb_items()


@contextmanager
def item_lock() -> Iterator[None]:
    """Hold the embedded DynamoDB still (tests inspect moto's state under it)."""
    with _item_lock:
        yield
