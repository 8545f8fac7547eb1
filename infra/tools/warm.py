"""Warm overhead: what one request costs in our own code, with AWS answered in process at zero latency.

Three helpdesk routes (a read, a list of 20, a write) on four stacks that make the same service calls:
Docket's handler (rate limit on, as deployed; and off, for the same AWS work as the others), the same
routes on a bare Powertools resolver (`bench_powertools`), on FastAPI + Mangum (`bench_fastapi`), and
the service call alone (the floor: the domain work, PynamoDB and botocore, the envelope's JSON).

AWS answers come from `coldstart_probe`'s replay, recorded once per route against the embedded AWS:
botocore still builds, signs and parses every call, only the network is gone, so the differences
are the frameworks'. Requests are interleaved (one of each per round) and each stack's lower quartile
reported (contention on a shared machine only ever adds time).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docket.api.pagination import page_request
from docket.helpdesk import feedback
from docket.settings import get_settings, reset_settings
from infra.local.invoke import LocalContext
from infra.tools import coldstart_probe
from infra.tools.functions import load
from infra.tools.scenarios import MEMBER, rest_event

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: Any = None


@dataclass(frozen=True)
class WarmResult:
    rounds: int
    routes: list[str]
    #: candidate → route → seconds per request (lower quartile)
    medians: dict[str, dict[str, float]]

    def overhead(self, candidate: str, route: str) -> float:
        """Seconds a request costs above the service call alone."""
        return self.medians[candidate][route] - self.medians[FLOOR][route]


DOCKET = "Docket"
DOCKET_UNLIMITED = "Docket, rate limit off"
POWERTOOLS = "bare Powertools resolver"
FASTAPI = "FastAPI + Mangum"
FLOOR = "service call alone"


def _floor(route: Route) -> Callable[[], Any]:
    """The route's domain work with no framework: service call, presenter, envelope JSON."""
    if route.method == "POST":
        body = feedback.FeedbackIn.model_validate(route.body)
        return lambda: json.dumps(
            {
                "success": True,
                "data": feedback.present(feedback.submit(MEMBER, body)).model_dump(by_alias=True),
            }
        )
    if route.path.endswith("/feedback"):

        def listed() -> str:
            found = feedback.list_feedback(MEMBER, page_request(limit=20))
            data = feedback.FeedbackList(
                feedback=[feedback.present(i) for i in found.items], pagination=found.pagination
            )
            return json.dumps({"success": True, "data": data.model_dump(by_alias=True)})

        return listed
    feedback_id = route.path.rsplit("/", 1)[-1]
    return lambda: json.dumps(
        {
            "success": True,
            "data": feedback.present(feedback.get(MEMBER, feedback_id)).model_dump(by_alias=True),
        }
    )


def _set_rate_limits(enabled: bool) -> None:
    """Switch the limiter for the next candidate, and read the settings again here: a warm process
    holds its settings, so rebuilding them must not fall inside the timed request (it did, and cost
    every limited request several milliseconds the limiter never spends)."""
    os.environ["DOCKET_RATE_LIMITS_ENABLED"] = "true" if enabled else "false"
    reset_settings()
    get_settings()


def measure(rounds: int = 400) -> WarmResult:
    """Needs the embedded AWS (for the one recording per route); times nothing against it. The
    clock the rate limiter reads is held still, so replayed counters match the window they name."""
    from docket import clock

    held = clock.epoch()
    real_epoch = clock.epoch
    clock.epoch = lambda: held  # type: ignore[assignment]
    try:
        return _measure(rounds)
    finally:
        clock.epoch = real_epoch  # type: ignore[assignment]


def _measure(rounds: int) -> WarmResult:
    from infra.tools import bench_fastapi, bench_powertools

    for index in range(20):
        feedback.submit(MEMBER, feedback.FeedbackIn(feature=f"Warm {index}", rating=1 + index % 5))
    existing = feedback.submit(MEMBER, feedback.FeedbackIn(feature="Warm read", rating=5))
    routes = [
        Route("read: GET /feedback/{id}", "GET", f"/v1/feedback/{existing.id}"),
        Route("list: GET /feedback?limit=20", "GET", "/v1/feedback"),
        Route("write: POST /feedback", "POST", "/v1/feedback", {"feature": "Warm write", "rating": 4}),
    ]
    docket = load("helpdesk").handler
    candidates: dict[str, Handler] = {
        DOCKET: docket,
        DOCKET_UNLIMITED: docket,
        POWERTOOLS: bench_powertools.handler,
        FASTAPI: bench_fastapi.handler,
    }

    def event(route: Route) -> dict[str, Any]:
        built = rest_event(route.method, route.path, principal=MEMBER, body=route.body)
        if route.method == "GET" and route.path.endswith("/feedback"):
            built["queryStringParameters"] = {"limit": "20"}
            built["multiValueQueryStringParameters"] = {"limit": ["20"]}
        return built

    # one recording per route (after a warm-up, so caches hold what a warm process holds)
    answers: dict[str, coldstart_probe.Answers] = {}
    import botocore.awsrequest
    import botocore.endpoint

    for route in routes:
        for handler in candidates.values():
            handler(event(route), LocalContext("bench"))
        recording = coldstart_probe.Answers()
        undo = coldstart_probe.install("record", recording, botocore.endpoint, botocore.awsrequest)
        try:
            docket(event(route), LocalContext("bench"))
            _floor(route)()
        finally:
            undo()
        answers[route.name] = recording

    medians: dict[str, dict[str, float]] = {name: {} for name in [*candidates, FLOOR]}
    for route in routes:
        replay = coldstart_probe.Answers(answers[route.name].recorded)
        undo = coldstart_probe.install("replay", replay, botocore.endpoint, botocore.awsrequest)
        samples: dict[str, list[float]] = {name: [] for name in medians}
        floor = _floor(route)
        try:
            for _ in range(20):  # warm every candidate on the replayed answers
                for name, handler in candidates.items():
                    _set_rate_limits(name != DOCKET_UNLIMITED)
                    handler(event(route), LocalContext("bench"))
            for _ in range(rounds):
                for name, handler in candidates.items():
                    _set_rate_limits(name != DOCKET_UNLIMITED)
                    request = event(route)
                    context = LocalContext("bench")
                    start = time.perf_counter()
                    result = handler(request, context)
                    samples[name].append(time.perf_counter() - start)
                    if result["statusCode"] >= 300:
                        raise RuntimeError(
                            f"{name} answered {result['statusCode']} to {route.name}: {result}"
                        )
                start = time.perf_counter()
                floor()
                samples[FLOOR].append(time.perf_counter() - start)
        finally:
            undo()
            _set_rate_limits(True)
        if replay.unanswered:
            raise RuntimeError(
                f"{route.name}: AWS calls the recording lacks: {sorted(set(replay.unanswered))}"
            )
        for name, values in samples.items():
            # the lower quartile: on a shared machine contention only ever adds time, and it adds
            # more to a stack that hands work between threads (Mangum's event loop, FastAPI's pool)
            medians[name][route.name] = statistics.quantiles(values, n=4)[0]
    return WarmResult(rounds=rounds, routes=[r.name for r in routes], medians=medians)
