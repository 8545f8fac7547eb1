"""The environment every Docket Lambda gets besides its settings.

Read by the function construct and by the cold-start bench, so the bench runs what deploys.
"""

from __future__ import annotations


def function_environment(function: str, *, xray_sdk: bool) -> dict[str, str]:
    """Powertools' variables for `function`, and what keeps libraries from work a cold start never
    needs:

    - without `xray_sdk` the in-function X-Ray SDK stays unloaded (Powertools' Tracer off): Lambda's
      active tracing still records every invocation's segment and joins API Gateway's trace; only
      the per-AWS-call subsegments are not sent. The SDK costs ~150-250 ms of every cold start
      (`make bench`), so it is an opt-in (`-c docket:xraySdk=true`);
    - pydantic looks for plugins through `importlib.metadata` (every installed distribution's
      entry points, ~40-70 ms) the first time it builds a model; Docket uses none.
    """
    environment = {
        "POWERTOOLS_SERVICE_NAME": function,
        "POWERTOOLS_METRICS_NAMESPACE": "Docket",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }
    if not xray_sdk:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    return environment
