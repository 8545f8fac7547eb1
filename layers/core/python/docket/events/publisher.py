"""Table stream → domain events on the EventBridge bus (no dual writes anywhere).

One stream record gives at most one event. Entries are sent with `PutEvents` in batches of ten;
a record whose entry failed is reported back as a batch item failure so the stream retries it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pydantic.alias_generators import to_camel

from docket.aws import client
from docket.data.schema import TYPE_ATTRIBUTE, key_attributes
from docket.events.catalog import Change, DomainEvent, EventType, for_change
from docket.settings import get_settings
from docket.topology import EVENT_SOURCE

_deserializer = TypeDeserializer()
_HIDDEN = {*key_attributes(), "ttl", TYPE_ATTRIBUTE}
_MAX_ENTRIES = 10


def _plain(image: Mapping[str, Any] | None) -> dict[str, Any]:
    if not image:
        return {}
    return {name: _deserializer.deserialize(value) for name, value in image.items()}


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float)):  # Decimal
            return int(value) if value == int(value) else float(value)
        if isinstance(value, set):
            return sorted(convert(v) for v in value)
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {to_camel(k): convert(v) for k, v in item.items() if k not in _HIDDEN}


def event_from_record(record: Mapping[str, Any]) -> DomainEvent | None:
    """The domain event a stream record stands for, or None for items that publish nothing."""
    change = record.get("dynamodb") or {}
    new, old = _plain(change.get("NewImage")), _plain(change.get("OldImage"))
    current = new or old
    entity_type = current.get(TYPE_ATTRIBUTE)
    if not isinstance(entity_type, str) or "id" not in current:
        return None

    kind = record.get("eventName")
    if kind == "INSERT":
        what = Change.CREATED
    elif kind == "REMOVE" or (new.get("deleted_at") and not old.get("deleted_at")):
        what = Change.DELETED
    else:
        what = Change.UPDATED
    event_type = for_change(entity_type, what)
    if event_type is None:
        return None
    tenant = current.get(event_type.tenant)
    if not isinstance(tenant, str) or not tenant:
        return None
    published = _published(event_type, current)

    changed: list[str] = []
    if what is Change.UPDATED:
        ignored = {"version", "updated_at", "updated_by", *key_attributes()}
        differing = {k for k in set(new) | set(old) if new.get(k) != old.get(k)} - ignored
        if event_type.fields is not None:
            differing &= set(event_type.fields)
        changed = sorted(to_camel(k) for k in differing)
        if not changed:
            return None

    return DomainEvent(
        event_id=str(record.get("eventID")),
        name=event_type.name,
        org_id=tenant,
        entity_type=entity_type,
        entity_id=str(current["id"]),
        actor_id=current.get("updated_by") or current.get("created_by"),
        occurred_at=str(current.get("updated_at") or current.get("created_at") or ""),
        changes=changed,
        data=published,
    )


def _published(event_type: EventType, item: Mapping[str, Any]) -> dict[str, Any]:
    """What of the item the event carries: its declared fields (and id), or all but the keys."""
    if event_type.fields is None:
        return _public(item)
    return _public({k: v for k, v in item.items() if k == "id" or k in event_type.fields})


def entry(event: DomainEvent) -> dict[str, Any]:
    return {
        "Source": EVENT_SOURCE,
        "DetailType": event.name,
        "Detail": event.model_dump_json(by_alias=True),
        "EventBusName": get_settings().event_bus_name,
    }


def publish(events: list[tuple[str, DomainEvent]]) -> list[str]:
    """Put `(record id, event)` pairs on the bus; returns the record ids whose entry failed."""
    failed: list[str] = []
    bus = client("events")
    for start in range(0, len(events), _MAX_ENTRIES):
        chunk = events[start : start + _MAX_ENTRIES]
        response = bus.put_events(Entries=[entry(event) for _, event in chunk])
        for (record_id, _), result in zip(chunk, response.get("Entries", []), strict=False):
            if result.get("ErrorCode"):
                failed.append(record_id)
    return failed


def detail_of(body: str) -> DomainEvent:
    """A queue message body (an EventBridge event) → its domain event."""
    envelope = json.loads(body)
    return DomainEvent.model_validate(envelope["detail"])
