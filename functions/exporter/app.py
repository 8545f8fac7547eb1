"""Exports queue consumer: prepares the personal-data exports users ask for (`data_export.created`)."""

from __future__ import annotations

from docket.events.catalog import DomainEvent
from docket.events.consumer import make_consumer
from docket.privacy import jobs


def prepare(event: DomainEvent) -> None:
    jobs.run(event.org_id, event.entity_id)


handler = make_consumer("exporter", prepare)
