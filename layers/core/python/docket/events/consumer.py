"""A base for SQS consumers of domain events: partial batch failures and idempotent handling.

Each message is handled at most once to completion per consumer (Powertools idempotency keyed on
the event id, in the table): a redelivered or duplicated event is acknowledged without running the
handler again; a handler that fails leaves no record, so the retry runs it for real. Failed
messages are reported as batch item failures, so only they come back (and, after the queue's
maxReceiveCount, land in its DLQ).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from docket.api.idempotency import tenant_spread_store
from docket.events.catalog import DomainEvent
from docket.events.publisher import detail_of
from docket.observability import logger, traced
from docket.settings import get_settings

#: How long a consumer remembers an event it handled (longer than any queue retention).
REMEMBER_S = 15 * 24 * 3600

EventHandler = Callable[[DomainEvent], None]


@cache
def _store() -> Any:
    return tenant_spread_store(get_settings().table_name)


def idempotency_key(consumer: str, event_id: str) -> str:
    """The stored record key for `event_id` handled by `consumer` (tests look it up)."""
    import hashlib
    import json

    digest = hashlib.md5(json.dumps(event_id).encode(), usedforsecurity=False).hexdigest()
    return f"IDEMPOTENCY#{consumer}#{digest}"


def make_consumer(
    name: str, handle: EventHandler
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """A Lambda handler for an SQS queue of domain events, calling `handle` once per event."""
    config = IdempotencyConfig(
        event_key_jmespath="eventId", expires_after_seconds=REMEMBER_S, use_local_cache=False
    )
    processor = BatchProcessor(event_type=EventType.SQS)
    once: Callable[..., None] | None = None

    def handle_once(*, event: dict[str, Any]) -> None:
        handle(DomainEvent.model_validate(event))

    def record_handler(record: SQSRecord) -> None:
        nonlocal once
        if once is None:
            once = idempotent_function(
                handle_once,
                data_keyword_argument="event",
                persistence_store=_store(),
                config=config,
                key_prefix=name,
            )
        event = detail_of(record.body)
        logger.append_keys(event_id=event.event_id, event_name=event.name, tenant_id=event.org_id)
        once(event=event.model_dump(by_alias=True))

    @logger.inject_lambda_context(clear_state=True)
    @traced
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        config.register_lambda_context(context)
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return handler
