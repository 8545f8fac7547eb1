"""Shared test setup: quiet logs, no tracing, and one embedded AWS per test process.

boto3 takes the endpoint from the environment, so a process has exactly one moto server:
integration tests reset it per test, the e2e emulator runs on top of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
for noisy in ("werkzeug", "botocore", "urllib3", "aiohttp.access", "pynamodb"):
    logging.getLogger(noisy).setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[object]:
    from infra.local.aws import LocalAws

    local = LocalAws.start()
    yield local
    local.stop()
