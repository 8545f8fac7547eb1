"""Hostile request shapes over every operation of the spec (tests/harness/hostile.py): deep
nesting, nulls, wrong JSON types, duplicate keys, huge numbers, invalid UTF-8 and non-ASCII in
every field and parameter. Never a 5xx; what the spec calls invalid is refused with a 4xx; a 4xx
is in the documented error shape. Sent as the fuzz firm's owner, with the firm's real ids.

A shape the known-failures table names is a strict xfail: it must fail until its fix is merged.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness import hostile
from tests.harness.firms import PASSWORD, Firm
from tests.harness.known_failures import known
from tests.harness.spec import Spec, committed_spec

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

SPEC = Spec(committed_spec())


def _cases() -> list[object]:
    cases: list[object] = []
    for operation, shape in hostile.representative_shapes(SPEC.operations()):
        if True:
            entry = known(operation.label, shape.name)
            marks = (
                [
                    pytest.mark.xfail(
                        strict=True, raises=AssertionError, reason=f"{entry.owner}: {entry.reason}"
                    )
                ]
                if entry
                else []
            )
            cases.append(
                pytest.param(operation.label, shape.name, id=f"{operation.label} | {shape.name}", marks=marks)
            )
    return cases


def credentials(firm: Firm) -> dict[str, Any]:
    """Bodies that pass the sign-in routes' checks, so a shape around them reaches what follows."""
    email = firm.owner.email
    return {
        "POST /auth/login": {"email": email, "password": PASSWORD},
        "POST /token": {"username": email, "password": PASSWORD},
        "POST /auth/token": {"grant_type": "password", "username": email, "password": PASSWORD},
    }


@pytest.mark.parametrize(("label", "name"), _cases())
def test_a_hostile_shape_is_answered_by_the_spec(
    harness_api: httpx.Client, fuzz_firm: Firm, label: str, name: str
) -> None:
    operation = SPEC.operation(label)
    bodies = credentials(fuzz_firm)
    shape = hostile.shape_named(operation, name, bodies)
    fuzz_firm.owner.renew()
    response = hostile.send(
        harness_api, operation, shape, fuzz_firm.owner.headers, fuzz_firm.parameters(), bodies
    )
    hostile.check(operation, shape, response)
