"""Scheduled jobs (`topology.SCHEDULES`): EventBridge Scheduler invokes this function with
`{"job": <name>}`; each job is one service call, named in `JOBS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from docket.observability import logger


def _credits_reset(context: LambdaContext) -> dict[str, Any]:
    from docket.credits import reset

    return reset.run(seconds_left=lambda: context.get_remaining_time_in_millis() / 1000).as_dict()


#: job name → what it runs (each entry matches a `topology.SCHEDULES` name; a test keeps them equal)
JOBS: dict[str, Callable[[LambdaContext], dict[str, Any]]] = {
    "credits-monthly-reset": _credits_reset,
}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    name = str(event.get("job") or "")
    job = JOBS.get(name)
    if job is None:
        raise ValueError(f"no job {name!r}: the schedule and JOBS disagree")
    result = job(context)
    logger.info("job done", extra={"job": name, **result})
    return {"job": name, **result}
