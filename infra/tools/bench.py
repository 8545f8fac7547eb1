"""`make bench`: performance as ratios measured in one run on this machine; writes docs/benchmarks.md.

1. Cold import of each function's handler module (fresh interpreter, runtime-only venv) against a
   bare `import boto3` + DynamoDB client.
2. AWS calls per request for each API scenario, counted by a botocore hook around every client
   call made while the request is handled (moto as AWS, handlers in process).
3. Warm in-process latency of `GET /feedback/{id}` against the same route served by FastAPI +
   Mangum, interleaved in one run.
4. The soak (`infra/tools/soak.py`, also `make soak` alone): 10,000 requests through the emulator
   over HTTP from 8 clients — latency at the start and the end, memory, CPU per request.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from docket.identity import sessions
from docket.security.principal import Principal
from infra.local.invoke import LocalContext
from infra.tools import coldstart
from infra.tools.functions import ROOT, load

OUTPUT = ROOT / "docs" / "benchmarks.md"
MEMBER = Principal(user_id="usr_bench", org_id="org_bench", permissions=("feedback:*", "credits:read"))
ADMIN = Principal(
    user_id="usr_bench_admin",
    org_id="",
    roles=("platform-admin",),
    permissions=("platform:users", "platform:statistics", "platform:logs"),
    platform=True,
)


# ---------------------------------------------------------------------------------------------
# AWS calls per request


class CallCounter:
    """Counts (service, operation) of every botocore client call (boto3 and PynamoDB alike)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> CallCounter:
        original = BaseClient._make_api_call
        self._original = original
        counter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            counter.calls[f"{client.meta.service_model.service_name}.{operation}"] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    @contextmanager
    def measuring(self) -> Iterator[Counter[str]]:
        before = Counter(self.calls)
        taken: Counter[str] = Counter()
        yield taken
        taken.update(self.calls - before)


def _invoke(
    function: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    principal: Principal = MEMBER,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    from infra.local.apigw import build_rest_event

    event = build_rest_event(
        method=method,
        path=path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query or {},
        body=json.dumps(body).encode() if body is not None else None,
        authorizer={"principalId": principal.user_id, **principal.to_context()},
        source_ip="198.51.100.1",
    )
    response: dict[str, Any] = load(function).handler(event, LocalContext("bench"))
    return response


def _member_token(user_id: str, refs: tuple[str, ...]) -> str:
    """An access token of a member of the bench firm whose membership names `refs` (the authorizer
    resolves the membership on every request)."""
    from docket.identity.accounts import Membership, membership_key

    pk, sk = membership_key(MEMBER.org_id, user_id)
    Membership(
        pk=pk, sk=sk, org_id=MEMBER.org_id, user_id=user_id, roles=list(refs), joined_at="bench"
    ).save()
    return sessions.start(user_id=user_id, org_id=MEMBER.org_id, roles=refs).access_token


def _custom_role() -> str:
    from docket.access.roles import CustomRole
    from docket.ids import new_id

    role = CustomRole(id=new_id("role"), org_id=MEMBER.org_id, number=7, name="Bench", slug="bench")
    role.permissions = ["feedback:read"]
    role.stamp("usr_bench")
    role.save()
    return str(role.id)


def _authorizer_event(token: str) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/feedback",
        "headers": {"Authorization": f"Bearer {token}"},
        "requestContext": {"requestId": "bench"},
    }


def aws_calls_per_request() -> list[tuple[str, dict[str, int]]]:
    rows: list[tuple[str, dict[str, int]]] = []
    with CallCounter() as counter:
        created = _invoke(
            "helpdesk", "POST", "/v1/feedback", {"feature": "Warm-up", "rating": 3}
        )  # cold caches
        feedback_id = json.loads(created["body"])["data"]["id"]
        authorizer_event = _authorizer_event(_member_token("usr_bench_staff", ("staff",)))
        custom_role_event = _authorizer_event(_member_token("usr_bench_custom", (_custom_role(),)))
        load("authorizer").handler(authorizer_event, LocalContext("bench"))  # warm: key set cached
        scenarios: list[tuple[str, Callable[[], Any]]] = [
            (
                "authorizer (Bearer token, system role)",
                lambda: load("authorizer").handler(authorizer_event, LocalContext("bench")),
            ),
            (
                "authorizer (Bearer token, custom role)",
                lambda: load("authorizer").handler(custom_role_event, LocalContext("bench")),
            ),
            ("GET /health", lambda: _invoke("platform", "GET", "/v1/health")),
            (
                "POST /feedback",
                lambda: _invoke("helpdesk", "POST", "/v1/feedback", {"feature": "B", "rating": 4}),
            ),
            (
                "POST /feedback with Idempotency-Key",
                lambda: _invoke(
                    "helpdesk",
                    "POST",
                    "/v1/feedback",
                    {"feature": "I", "rating": 4},
                    {"Idempotency-Key": "bench-1"},
                ),
            ),
            ("GET /feedback/{id}", lambda: _invoke("helpdesk", "GET", f"/v1/feedback/{feedback_id}")),
            (
                "PUT /feedback/{id}",
                lambda: _invoke("helpdesk", "PUT", f"/v1/feedback/{feedback_id}", {"rating": 2}),
            ),
            ("GET /feedback (list, 20)", lambda: _invoke("helpdesk", "GET", "/v1/feedback")),
            *_credit_and_admin_scenarios(),
        ]
        for name, scenario in scenarios:
            with counter.measuring() as taken:
                scenario()
            rows.append((name, dict(sorted(taken.items()))))
    return rows


def _debit() -> None:
    """A research call in miniature: its work item and its debit, one transaction."""
    from docket.credits import ledger
    from docket.credits.usage import UsageKind
    from docket.data.transactions import transaction
    from docket.helpdesk.feedback import Feedback
    from docket.ids import new_id

    work = Feedback(
        id=new_id("fb"),
        org_id=MEMBER.org_id,
        user_id=MEMBER.user_id,
        feature="Research",
        rating=5,
        category="feature",
        priority="low",
        status="new",
    )
    with transaction(MEMBER) as tx:
        tx.save(work)
        ledger.debit(tx, ledger.payer(MEMBER), 5, UsageKind.QA)


def _credit_and_admin_scenarios() -> list[tuple[str, Callable[[], Any]]]:
    """Seed 002's credits (the caller's own) and platform administration."""
    _invoke("directory", "GET", "/v1/user/credits")  # the account exists from here on
    _debit()  # and the caller was active today (a debit then records no activity)
    role = "/v1/admin/users/usr_bench/role"
    plans = iter(["pay", "vip"] * 50)
    return [
        ("GET /user/credits", lambda: _invoke("directory", "GET", "/v1/user/credits")),
        ("GET /user/usage (month)", lambda: _invoke("directory", "GET", "/v1/user/usage")),
        ("debit in the work's transaction (service call)", _debit),
        (
            "GET /admin/users (cursor page, 50)",
            lambda: _invoke("admin", "GET", "/v1/admin/users", principal=ADMIN),
        ),
        (
            "GET /admin/users?page=1 (with total)",
            lambda: _invoke("admin", "GET", "/v1/admin/users", principal=ADMIN, query={"page": "1"}),
        ),
        (
            "PUT /admin/users/{id}/role",
            lambda: _invoke("admin", "PUT", role, {"role": next(plans), "reason": "bench"}, principal=ADMIN),
        ),
        (
            "GET /admin/statistics (month)",
            lambda: _invoke("admin", "GET", "/v1/admin/statistics", principal=ADMIN),
        ),
        ("GET /admin/logs", lambda: _invoke("admin", "GET", "/v1/admin/logs", principal=ADMIN)),
    ]


# ---------------------------------------------------------------------------------------------
# warm latency against FastAPI + Mangum


def warm_latency(rounds: int = 300) -> dict[str, float]:
    from infra.local.apigw import build_rest_event
    from infra.tools import bench_fastapi

    created = _invoke("helpdesk", "POST", "/v1/feedback", {"feature": "Latency", "rating": 5})
    feedback_id = json.loads(created["body"])["data"]["id"]

    def event() -> dict[str, Any]:
        return build_rest_event(
            method="GET",
            path=f"/v1/feedback/{feedback_id}",
            headers={"Accept": "application/json"},
            query={},
            body=None,
            authorizer={"principalId": MEMBER.user_id, **MEMBER.to_context()},
            source_ip="198.51.100.1",
        )

    docket_handler = load("helpdesk").handler
    candidates: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
        "docket": docket_handler,
        "fastapi+mangum": bench_fastapi.handler,
    }
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for handler in candidates.values():  # warm both
        for _ in range(10):
            assert handler(event(), LocalContext("bench"))["statusCode"] == 200
    for _ in range(rounds):  # interleaved, so machine noise hits both alike
        for name, handler in candidates.items():
            request = event()
            start = time.perf_counter()
            handler(request, LocalContext("bench"))
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


# ---------------------------------------------------------------------------------------------


def run(runs: int, rounds: int) -> str:
    from infra.local.aws import LocalAws

    baseline, imports = coldstart.measure(runs)
    local = LocalAws.start(rate_limits_enabled=True)
    try:
        calls = aws_calls_per_request()
        latency_with_limits = warm_latency(rounds)
        local.configure(rate_limits_enabled=False)
        latency_without_limits = warm_latency(rounds)
    finally:
        local.stop()

    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, Python "
        f"{platform.python_version()}), each table in one run. Ratios only: absolute times on this",
        "shared 2-core machine are noise.",
        "",
        "## Cold import of each handler module",
        "",
        f"Fresh interpreter, runtime-only venv, median of {runs}; baseline `import boto3` + a DynamoDB",
        f"client = {baseline * 1000:.0f} ms here (ratio 1.00). Tracing off (the X-Ray SDK loads on the",
        "first traced invocation only).",
        "",
        "| function | x baseline |",
        "| --- | --- |",
    ]
    lines += [f"| `{name}` | {seconds / baseline:.2f} |" for name, seconds in imports.items()]
    lines += [
        "",
        "## AWS calls per request",
        "",
        "Every botocore call made while the handler runs (warm: secrets and clients already cached).",
        "The rate limiter's `UpdateItem` is one per request; the rest is the route's own work. The",
        "authorizer runs before every protected request (no cache, so revocation is immediate): its",
        "read of the session with the membership (and of a custom role's grants, for their holders)",
        "comes on top of each protected row (a platform administrator's: the session alone). The debit",
        "is a service call (no rate limit): its `UpdateItem` is the platform's statistics tally,",
        "advanced after the transaction committed; the admin lists read one Query per shard of the",
        "directory (4) or of the tally (8).",
        "",
        "| scenario | calls | by operation |",
        "| --- | --- | --- |",
    ]
    for name, taken in calls:
        detail = ", ".join(f"{op} x {n}" for op, n in taken.items()) or "none"
        lines.append(f"| {name} | {sum(taken.values())} | {detail} |")
    docket = latency_with_limits["docket"] / latency_with_limits["fastapi+mangum"]
    bare = latency_without_limits["docket"] / latency_without_limits["fastapi+mangum"]
    lines += [
        "",
        "## Warm latency: `GET /feedback/{id}` against FastAPI + Mangum",
        "",
        f"Same service call, same envelope; {rounds} interleaved requests each, medians, moto as AWS",
        "(so DynamoDB round trips are loopback HTTP).",
        "",
        "| configuration | Docket ÷ FastAPI+Mangum |",
        "| --- | --- |",
        f"| Docket with rate limiting (one extra `UpdateItem`) | {docket:.2f} |",
        f"| Docket without rate limiting (same AWS work as FastAPI) | {bare:.2f} |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="cold-import runs per function")
    parser.add_argument("--rounds", type=int, default=300, help="warm requests per framework")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-soak", action="store_true", help="skip the soak (it takes minutes)")
    args = parser.parse_args()
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    report = run(args.runs, args.rounds)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    if not args.no_soak:
        # its own emulator process, after the in-process measurements have released this one's
        from infra.tools import soak

        section = soak.section(soak.measure())
        soak.write_section(section, args.output)
        print(section)


if __name__ == "__main__":
    main()
