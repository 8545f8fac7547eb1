"""Schemathesis over the served OpenAPI spec, against the running emulator: no 5xx, and every
response (status, headers, body) conforms to the spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]


@pytest.fixture(scope="session")
def served_spec(emulator: Any) -> Any:
    return schemathesis.openapi.from_url(f"{emulator.base_url}/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("served_spec")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_conforms_to_its_spec(case: Any, emulator: Any, token_for: Callable[..., str]) -> None:
    token = token_for("usr_fuzz", "org_fuzz", permissions=("*",))
    case.call_and_validate(base_url=f"{emulator.base_url}/v1", headers={"Authorization": f"Bearer {token}"})
