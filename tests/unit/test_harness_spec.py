"""The harnesses' reading of the spec (tests/harness/spec.py): the bodies they send as valid are
valid by the spec, and what they call invalid is."""

from __future__ import annotations

import pytest

from tests.harness.spec import Spec, committed_spec

SPEC = Spec(committed_spec())
WITH_BODIES = [op.label for op in SPEC.operations() if op.media_type]


@pytest.mark.parametrize("label", WITH_BODIES)
def test_the_example_bodies_are_valid_by_the_spec(label: str) -> None:
    operation = SPEC.operation(label)
    for every_field in (False, True):
        body = operation.example_body(every_field=every_field)
        assert operation.body_valid(body), (every_field, body)


def test_validity_follows_the_schema() -> None:
    update = SPEC.operation("PUT /feedback/{feedbackId}")
    assert update.body_valid({"rating": 5})
    assert not update.body_valid({"rating": 6})
    assert not update.body_valid([{"rating": 5}])
    assert not update.body_valid({"unknown": 1})
    limit = next(p for p in SPEC.operation("GET /feedback").parameters if p.name == "limit")
    assert limit.valid(SPEC, "20")
    assert not limit.valid(SPEC, "1e400")
    assert not limit.valid(SPEC, ".é")
    assert not limit.valid(SPEC, "1" + "0" * 400)
