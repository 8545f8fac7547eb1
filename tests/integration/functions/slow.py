"""A fake function for the execution-environment tests: its behaviour is chosen by the event."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

#: Module state, per execution environment (as on Lambda).
invocations = 0


def handler(event: dict[str, Any], context: Any) -> Any:
    global invocations
    invocations += 1
    action = event.get("do")
    if action == "block":
        # tell the test we are running, then wait until it lets us go
        Path(event["started"]).write_text(str(os.getpid()))
        released = Path(event["release"])
        for _ in range(3000):
            if released.exists():
                break
            time.sleep(0.01)
    elif action == "fail":
        raise ValueError("the handler refused")
    elif action == "crash":
        os._exit(3)
    elif action == "sleep":
        time.sleep(60)
    elif action == "settings":
        from docket.settings import get_settings

        return {"table": get_settings().table_name}
    elif action == "not json":
        return {"when": object()}
    print("a handler's own output goes to stderr")  # and never into the reply
    return {
        "pid": os.getpid(),
        "invocations": invocations,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
