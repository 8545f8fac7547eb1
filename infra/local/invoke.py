"""Invoking a function the way Lambda would: `functions/<name>/app.py:handler(event, context)`.

Two invokers share one signature (`Invoker`): the emulator runs each function in its own execution
environments (`infra.local.environments.Environments`, worker processes, invocations at once);
`invoke` here runs the handler in this process, one invocation at a time — for the integration
tests and tools, which patch the clock or count AWS calls in process.

Why one lock for all functions in process: the `docket` layer keeps per-request state in module
globals (`docket.api.request`, the logger's keys), and every function here shares one `docket`
package, so two handlers running at once would see each other's request.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from infra.local.payloads import ACCOUNT, REGION
from infra.tools.functions import load

log = logging.getLogger("docket.local.invoke")
_lock = threading.RLock()

#: `(function name, event) → handler result`; the gateways and pumps take one, so tests can fake it.
Invoker = Callable[[str, dict[str, Any]], Any]


class LocalContext:
    """The Lambda context object handlers receive (Powertools reads these attributes)."""

    def __init__(self, function: str, timeout_ms: int = 29_000) -> None:
        self.function_name = f"docket-{function}"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:docket-{function}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/docket-{function}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Run one function on `event`; an exception propagates, as a Lambda invocation error would."""
    with _lock:
        handler = load(function).handler
        started = time.perf_counter()
        try:
            return handler(event, LocalContext(function))
        finally:
            log.debug("invoked %s in %.1f ms", function, (time.perf_counter() - started) * 1000)
