"""Schemathesis over one operation of a spec: positive and negative generation, path parameters
from a firm's real ids mixed with generated ones, as a real member of that firm.

Every response is checked by schemathesis' checks — no 5xx, status code, content type, headers and
body as documented, negative input refused — except `positive_data_acceptance` (a forged cursor is
schema-valid and rightly a 400). The spec documents no 5xx, so a 500 fails twice over. A case the
known-failures table names is tolerated (its entry says who fixes it); anything else raises
`FuzzFailure` with the request as a curl command.

Generation is derandomized (the same cases every run: no flakes); hypothesis shrinks a failure to
its simplest case before reporting it.
"""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.harness.firms import Member
from tests.harness.known_failures import tolerated

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

#: HTTP framing, consumed by the edge in front of API Gateway (CloudFront) and never handed to the
#: API: a generated value for one of these tests the emulator's HTTP server, not the API's contract
FRAMING_HEADERS = frozenset({"transfer-encoding", "content-length", "connection", "host", "upgrade", "te"})


class FuzzFailure(AssertionError):
    """A generated request the API answered wrongly."""


def load(document: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(document)


def strategy(operation: Any, mode: GenerationMode, real_ids: dict[str, list[str]]) -> Any:
    """Cases of `operation`: with each combination of real ids for its path parameters, and with
    generated ones (one branch each, drawn evenly)."""
    names = [p.name for p in operation.path_parameters]
    branches = [operation.as_strategy(generation_mode=mode)]
    if names and all(real_ids.get(name) for name in names):
        for combination in itertools.product(*(real_ids[name] for name in names)):
            fixed = dict(zip(names, combination, strict=True))
            branches.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.one_of(branches)


def _short(text: str, limit: int = 1500) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _describe(case: Any, response: Any, problem: BaseException) -> str:
    mode = case.meta.generation.mode.value if case.meta else "explicit"
    found = [
        f"{failure.title}: {_short(str(failure.message), 300)}"
        for failure in getattr(problem, "exceptions", ())
    ]
    found = found or [_short(str(problem), 600)]
    return (
        f"{case.operation.label} ({mode} case) answered {response.status_code}: {'; '.join(found)}\n"
        f"  request: {_short(case.as_curl_command())}\n"
        f"  response: {_short(response.text, 600)}"
    )


def fuzz_operation(
    schema: Any,
    label: str,
    *,
    base_url: str,
    member: Member,
    real_ids: dict[str, list[str]],
    examples: int,
    modes: tuple[GenerationMode, ...] = MODES,
) -> None:
    """Fuzz one operation; FuzzFailure on the first (shrunk) case the API answers wrongly."""
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the spec"

    def check(case: Any) -> None:
        if case.headers:
            case.headers = {k: v for k, v in case.headers.items() if k.lower() not in FRAMING_HEADERS}
        response = case.call(base_url=base_url, headers=member.headers)
        if case.method != "GET":
            member.renew()  # the case may have ended the member's session (a logout)
        if tolerated(label, case, response) is not None:
            return
        try:
            case.validate_response(response, excluded_checks=[positive_data_acceptance])
        except (FailureGroup, AssertionError) as problem:
            raise FuzzFailure(_describe(case, response, problem)) from None

    takes_input = bool(operation.path_parameters or operation.query or operation.body)
    for mode in modes:
        if mode.is_negative and not takes_input:
            continue  # nothing to make invalid
        run = given(case=strategy(operation, mode, real_ids))(check)
        run = settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(run)
        run()
