"""Schemathesis over the served OpenAPI spec, against the running emulator, as a real member of a
firm that owns data (tests/harness/fuzz.py): positive and negative generation, path parameters
from the firm's real ids mixed with generated ones; no 5xx, and every response (status code,
content type, headers, body) conforms to the spec; schema-invalid input is refused. (Not checked:
that every schema-valid request succeeds — a forged cursor or a mix of paging styles is
schema-valid and rightly a 400.)

Each operation is one test; hypothesis drives schemathesis' strategies directly (its pytest
plugin does not run under pytest 9 yet).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis

from infra.local.server import Emulator
from tests.harness.firms import Firm
from tests.harness.fuzz import fuzz_operation
from tests.harness.known_failures import KNOWN_FAILURES, KnownFailure
from tests.harness.platform import PlatformAdmin
from tests.harness.spec import Spec, committed_spec

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

#: per operation and generation mode (positive, negative)
EXAMPLES = 25


def _operations() -> list[str]:
    return [op.label for op in Spec(committed_spec()).operations()]


@pytest.fixture(scope="session")
def served_schema(emulator: Emulator) -> Any:
    return schemathesis.openapi.from_url(f"{emulator.base_url}/v1/openapi.json")


@pytest.mark.parametrize("label", _operations())
def test_the_api_conforms_to_its_spec(
    served_schema: Any, emulator: Emulator, fuzz_firm: Firm, label: str
) -> None:
    fuzz_operation(
        served_schema,
        label,
        base_url=f"{emulator.base_url}/v1",
        member=fuzz_firm.owner,
        real_ids=fuzz_firm.parameters(),
        examples=EXAMPLES,
    )


@pytest.mark.parametrize("label", [op.label for op in Spec(committed_spec()).operations() if op.platform])
def test_the_platform_routes_conform_to_their_spec_for_an_administrator(
    served_schema: Any, emulator: Emulator, fuzz_firm: Firm, platform_admin: PlatformAdmin, label: str
) -> None:
    # the firm owner above is refused on these; an administrator reaches their logic (cedar's real
    # users as path parameters, so plan changes land on real accounts)
    fuzz_operation(
        served_schema,
        label,
        base_url=f"{emulator.base_url}/v1",
        member=platform_admin,  # a PlatformAdmin acts as a Member does (headers, renew)
        real_ids=fuzz_firm.parameters(),
        examples=EXAMPLES,
    )


def _replays() -> list[object]:
    return [
        pytest.param(
            entry,
            id=f"{entry.operation} | {entry.shape}",
            marks=pytest.mark.xfail(
                strict=True, raises=AssertionError, reason=f"{entry.owner}: {entry.reason}"
            ),
        )
        for entry in KNOWN_FAILURES
        if entry.reproduction is not None
    ]


@pytest.mark.parametrize("entry", _replays())
def test_a_known_failure_still_reproduces(
    harness_api: httpx.Client, fuzz_firm: Firm, entry: KnownFailure
) -> None:
    # Given the exact request the fuzz run found, sent as the fuzz firm's owner
    replay = entry.reproduction
    assert replay is not None
    owner = fuzz_firm.owner
    owner.renew()
    for method, path in replay.prepare:
        harness_api.request(method, path, headers=owner.headers)
    path = replay.path.format(**{name: ids[0] for name, ids in fuzz_firm.parameters().items()})
    headers = {**owner.headers, **({"Content-Type": replay.content_type} if replay.content_type else {})}
    # When it is sent
    response = harness_api.request(
        replay.method,
        path,
        params=replay.query or None,
        json=replay.json,
        content=replay.content,
        headers=headers,
    )
    # Then the API answers as fixed (until the fix is merged this fails: a strict xfail, so the
    # entry must leave the table once it passes)
    assert replay.fixed(response), f"{response.status_code} {response.text[:300]}"
