"""Invoking the functions in process, one invocation at a time (as one Lambda sandbox would)."""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from infra.tools.functions import load

log = logging.getLogger("docket.local")
#: Lambda runs one request per sandbox; the handlers keep per-request state in module globals.
_lock = threading.RLock()


class LocalContext:
    def __init__(self, function: str):
        self.function_name = f"docket-{function}"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:docket-{function}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/docket-{function}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Run `functions/<function>/app.py:handler` on `event`; exceptions propagate like Lambda errors."""
    with _lock:
        handler = load(function).handler
        log.debug("invoke %s", function)
        return handler(event, LocalContext(function))
