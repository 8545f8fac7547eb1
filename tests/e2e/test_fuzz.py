"""Schemathesis over the served OpenAPI spec, against the running emulator: no 5xx, and every
response (status code, content type, headers, body) conforms to the spec; schema-invalid input is
refused. (Not checked: that every schema-valid request succeeds — a forged cursor or a mix of
paging styles is schema-valid and rightly a 400.)

Each operation is one test; hypothesis drives schemathesis' strategies directly (its pytest
plugin does not run under pytest 9 yet).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from infra.tools.openapi import SPEC_FILE

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 30


def _operations() -> list[str]:
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    methods = ("get", "put", "post", "delete", "patch")
    return sorted(f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in item if m in methods)


@pytest.fixture(scope="session")
def served_spec(emulator: Any) -> Any:
    return schemathesis.openapi.from_url(f"{emulator.base_url}/v1/openapi.json")


@pytest.mark.parametrize("label", _operations())
def test_the_api_conforms_to_its_spec(
    served_spec: Any, emulator: Any, token_for: Callable[..., str], label: str
) -> None:
    operation = served_spec.find_operation_by_label(label)
    assert operation is not None, f"{label} is in the committed spec but not in the served one"
    headers = {"Authorization": f"Bearer {token_for('usr_fuzz', 'org_fuzz', permissions=('*',))}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def conforms(case: Any) -> None:
        case.call_and_validate(
            base_url=f"{emulator.base_url}/v1", headers=headers, excluded_checks=[positive_data_acceptance]
        )

    conforms()
