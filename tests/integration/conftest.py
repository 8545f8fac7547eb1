"""Integration tests: handlers in process against moto (one server per session, a blank account
per test), resources created from the same declarations as the stack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
def travel(monkeypatch: pytest.MonkeyPatch) -> TimeTravel:
    machine = TimeTravel()
    real_now, real_monotonic = clock.now, clock.monotonic
    monkeypatch.setattr(clock, "now", lambda: real_now() + machine.offset)
    monkeypatch.setattr(clock, "monotonic", lambda: real_monotonic() + machine.offset.total_seconds())
    return machine
