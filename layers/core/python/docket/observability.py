"""Powertools Logger, Tracer and Metrics, one of each per process.

The service name comes from `POWERTOOLS_SERVICE_NAME` (set per function by the stack); the
request id and tenant id are appended to every log line of a request by the resolver.

The Tracer is created on the first invocation, and only when tracing is on: importing the X-Ray
SDK costs ~160 ms of cold start, which a function running with tracing off (locally, in tests,
or a deployment that turns it off) should not pay.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

# Powertools warns on every invocation that publishes no business metric; that is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics(namespace="Docket")

F = TypeVar("F", bound=Callable[..., Any])
_tracer: Any = None


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true")
    return not disabled and "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def tracer() -> Any:
    """The process's Powertools Tracer (created on first use)."""
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer()
    return _tracer


def traced(handler: F) -> F:
    """`Tracer.capture_lambda_handler`, decided at the first invocation instead of at import."""
    chosen: list[Callable[..., Any]] = []

    @functools.wraps(handler)
    def wrapper(event: Any, context: Any) -> Any:
        if not chosen:
            chosen.append(
                tracer().capture_lambda_handler(handler, capture_response=False)
                if tracing_enabled()
                else handler
            )
        return chosen[0](event, context)

    return wrapper  # type: ignore[return-value]
