"""Integration tests: handlers in process against moto (one server per session, a blank account
per test), resources created from the same declarations as the stack."""

from __future__ import annotations

import pytest

from docket.settings import Settings
from infra.local.aws import LocalAws


@pytest.fixture
def aws(local_aws: LocalAws) -> Settings:
    return local_aws.reset()
