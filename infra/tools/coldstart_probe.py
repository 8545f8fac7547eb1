"""One cold start, as Lambda runs it: run by `coldstart.py` in a fresh interpreter of the runtime's Python.

    python3.12 -s coldstart_probe.py <spec.json>

The spec names the task directory (the function's code), the handler, the event and the AWS answers.
The probe imports what Lambda's runtime client has imported before it loads a handler, then times
the handler module's import (init) and its first invocation, and prints one JSON line.

AWS is answered in process: botocore builds, signs and parses every request as it would on Lambda;
only the socket is replaced. In `record` mode the requests go to the endpoint in the environment
(the embedded AWS) and the answers are written down; in `replay` mode each operation gets its
recorded answers back in order, so the timing holds our own work and botocore's, never a network.

Standard library only: this module is imported into the probed interpreter before the timing starts
(and by the warm benchmark, in process, for the same replay).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

#: What Lambda's Python runtime interface client has imported before it imports the handler module
#: (its bootstrap), so their cost is not ours.
RUNTIME_PREIMPORTS = (
    "json",
    "logging",
    "os",
    "time",
    "traceback",
    "importlib",
    "importlib.util",
    "warnings",
    "decimal",
)

#: printed to stderr once the pre-imports are done: `-X importtime` lines after it are ours
MARKER = "-- docket probe: timing starts --"


class _Raw:
    """Just enough of a urllib3 response for `botocore.awsrequest.AWSResponse`."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._body


class Answers:
    """Recorded AWS answers per `service.Operation`; replayed in order, the last one repeated."""

    def __init__(self, recorded: list[dict[str, Any]] | None = None) -> None:
        self.recorded: list[dict[str, Any]] = list(recorded or [])
        self._pending: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        for answer in self.recorded:
            self._pending[answer["op"]].append(answer)
        self.asked: list[str] = []
        self.unanswered: list[str] = []

    def next(self, op: str) -> dict[str, Any] | None:
        self.asked.append(op)
        queue = self._pending.get(op)
        if not queue:
            self.unanswered.append(op)
            return None
        return queue.popleft() if len(queue) > 1 else queue[0]


_current = threading.local()


def install(mode: str, answers: Answers, endpoint_module: Any, awsrequest_module: Any) -> Callable[[], None]:
    """Patch botocore's `Endpoint` so every request is recorded (`record`) or answered (`replay`).

    Returns a function that undoes the patch."""
    endpoint_class = endpoint_module.Endpoint
    original_do = endpoint_class._do_get_response
    original_send = endpoint_class._send

    def do_get_response(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        _current.op = f"{operation_model.service_model.service_name}.{operation_model.name}"
        return original_do(self, request, operation_model, context)

    def send(self: Any, request: Any) -> Any:
        op = getattr(_current, "op", "?")
        if mode == "record":
            response = original_send(self, request)
            answers.recorded.append(
                {
                    "op": op,
                    "status": response.status_code,
                    "headers": dict(response.headers.items()),
                    "body": base64.b64encode(response.content).decode(),
                }
            )
            answers.asked.append(op)
            return response
        answer = answers.next(op)
        if answer is None:
            body = json.dumps({"__type": "ReplayMissing", "message": f"no recorded answer for {op}"}).encode()
            return awsrequest_module.AWSResponse(
                request.url, 400, {"x-amzn-ErrorType": "ReplayMissing"}, _Raw(body)
            )
        return awsrequest_module.AWSResponse(
            request.url, answer["status"], answer["headers"], _Raw(base64.b64decode(answer["body"]))
        )

    endpoint_class._do_get_response = do_get_response
    endpoint_class._send = send

    def undo() -> None:
        endpoint_class._do_get_response = original_do
        endpoint_class._send = original_send

    return undo


class _PatchBotocoreOnImport:
    """A meta-path finder that patches `botocore.endpoint` right after it is first imported, so the
    probe never imports botocore itself (a handler that defers boto3 must pay for it when it uses it)."""

    def __init__(self, mode: str, answers: Answers) -> None:
        self.mode = mode
        self.answers = answers

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "botocore.endpoint":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = spec.loader if spec else None
        if spec is None or loader is None:
            return spec
        exec_module = loader.exec_module

        def patched_exec(module: Any) -> None:
            exec_module(module)
            install(self.mode, self.answers, module, sys.modules["botocore.awsrequest"])

        loader.exec_module = patched_exec  # type: ignore[method-assign]
        return spec


class Context:
    """The Lambda context object (what Powertools reads)."""

    def __init__(self, function: str) -> None:
        self.function_name = f"docket-{function}"
        self.function_version = "1"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:docket-{function}"
        self.aws_request_id = "00000000-0000-4000-8000-000000000001"
        self.log_group_name = f"/aws/lambda/docket-{function}"
        self.log_stream_name = "probe"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def main(spec_path: str) -> None:
    import importlib

    for name in RUNTIME_PREIMPORTS:
        importlib.import_module(name)
    import time

    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    # `time.time` stands still for the whole run, at the recording's start in both modes: what is
    # bound to wall-clock windows (the rate limiter's minute counter) reads the same on replay as
    # when the answers were recorded, whatever the machine's load made of the time in between
    recorded_at = spec.get("recorded_at") if spec["mode"] == "replay" else None
    recorded_at = recorded_at or time.time()
    time.time = lambda: recorded_at
    answers = Answers(spec.get("answers"))
    sys.meta_path.insert(0, _PatchBotocoreOnImport(spec["mode"], answers))
    sys.path.insert(0, spec["task"])
    context = Context(spec["function"])
    print(MARKER, file=sys.stderr, flush=True)

    start = time.perf_counter()
    if spec.get("code"):  # the baseline: a bare boto3 import and client
        exec(compile(spec["code"], "<baseline>", "exec"), {})  # noqa: S102 (our own constant)
        initialised = time.perf_counter()
        result: Any = None
        answered = time.perf_counter()
    else:
        module = importlib.import_module(spec["module"])
        handler = getattr(module, spec["handler"])
        initialised = time.perf_counter()
        result = handler(spec["event"], context)
        answered = time.perf_counter()

    status = result.get("statusCode") if isinstance(result, dict) else None
    print(
        json.dumps(
            {
                "init_s": initialised - start,
                "first_s": answered - initialised,
                "status": status,
                "result": result if spec["mode"] == "record" else None,
                "asked": answers.asked,
                "unanswered": answers.unanswered,
                "answers": answers.recorded if spec["mode"] == "record" else None,
                "recorded_at": recorded_at,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
