"""Integration tests: handlers in process against moto (one server per session, a blank account
per test), resources created from the same declarations as the stack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from docket import clock
from docket.settings import Settings
from infra.local.aws import LocalAws


@pytest.fixture
def aws(local_aws: LocalAws) -> Settings:
    return local_aws.reset()


@dataclass
class TimeTravel:
    """Moves `docket.clock` (wall clock and monotonic) forward; token expiry keeps real time."""

    offset: timedelta = timedelta()

    def forward(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def now(self) -> datetime:
        return clock.now()


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> TimeTravel:
    """`docket.clock` (wall clock and epoch) stands still at the moment the test starts, until moved
    `forward`; the monotonic clock runs on.

    For tests that count in a window or read a partition by date: rate limits by hour and minute,
    failed logins by quarter hour, audit entries by day. With a running clock such a test fails
    whenever a window boundary falls between its writes and its reads."""
    machine = TimeTravel()
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + machine.offset)
    monkeypatch.setattr(clock, "epoch", lambda: int((start + machine.offset).timestamp()))
    return machine


@pytest.fixture
def travel(monkeypatch: pytest.MonkeyPatch) -> TimeTravel:
    machine = TimeTravel()
    real_now, real_monotonic = clock.now, clock.monotonic
    monkeypatch.setattr(clock, "now", lambda: real_now() + machine.offset)
    monkeypatch.setattr(clock, "monotonic", lambda: real_monotonic() + machine.offset.total_seconds())
    return machine


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The DynamoDB operations requests make, the rate limiter's counter aside."""
    from botocore.client import BaseClient

    made: list[str] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        key = params.get("Key", {}).get("pk", {}).get("S", "")
        if client.meta.service_model.service_name == "dynamodb" and not key.startswith("RATE#"):
            made.append(operation)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    return made
