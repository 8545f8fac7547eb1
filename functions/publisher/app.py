"""Table stream → domain events on the EventBridge bus."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from docket.events.publisher import event_from_record, publish
from docket.observability import logger, metrics, traced


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    pending = []
    for record in event.get("Records", []):
        domain_event = event_from_record(record)
        if domain_event is not None:
            pending.append((record["dynamodb"]["SequenceNumber"], domain_event))
    failed = publish(pending)
    metrics.add_metric(name="EventsPublished", unit="Count", value=len(pending) - len(failed))
    # The stream retries from the earliest failed record, so reporting every failure is enough.
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
