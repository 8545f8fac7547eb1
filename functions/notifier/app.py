"""Notifications queue consumer: every domain event, pushed to the tenant's WebSocket clients."""

from __future__ import annotations

from docket import realtime
from docket.events.catalog import DomainEvent
from docket.events.consumer import make_consumer


def notify(event: DomainEvent) -> None:
    realtime.fan_out(event)


handler = make_consumer("notifier", notify)
