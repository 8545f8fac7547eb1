"""One execution environment: a process that imports one function's handler and serves its
invocations one at a time, as a Lambda sandbox does (`python -m infra.local.worker <function>
[<path to app.py>]`, started by `infra.local.environments`).

The protocol is frames on the process's stdin/stdout: a 4-byte big-endian length, then UTF-8 JSON.
A request is `{"event", "timeoutMs", "env"}` — `env` (the parent's `AWS_*`, `DOCKET_*` and
`POWERTOOLS_*` variables) only when it changed since the last one this environment got: the
environment then follows it and forgets its caches (`docket.process.forget_environment()`), since
the emulator changes settings (`LocalAws.reset()` renews the secret ARNs; `configure()`). A reply is
`{"result": …}` or `{"error": {"errorType", "errorMessage", "stackTrace"}}` (Lambda's shape). The
handler's own output — print, logs — goes to stderr, so it can never corrupt a frame.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any

#: Environment variables an environment follows from the emulator (what Settings, boto3 and
#: Powertools read).
FOLLOWED_PREFIXES = ("AWS_", "DOCKET_", "POWERTOOLS_")
#: Each frame's header: the length of its JSON.
FRAME_HEADER = struct.Struct(">I")


def followed(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k.startswith(FOLLOWED_PREFIXES)}


def write_frame(fd: int, message: Any) -> None:
    """One frame; TypeError (before anything is written) when `message` is not JSON."""
    data = json.dumps(message, separators=(",", ":"), default=_lambda_json).encode()
    view = memoryview(FRAME_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or None at end of file."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> Any:
    header = read_exactly(fd, FRAME_HEADER.size)
    if header is None:
        return None
    body = read_exactly(fd, FRAME_HEADER.unpack(header)[0])
    if body is None:
        return None
    return json.loads(body)


def error(error_type: str, message: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {"error": {"errorType": error_type, "errorMessage": message, "stackTrace": trace or []}}


def _lambda_json(value: Any) -> Any:
    # the Python runtime serializes Decimal (what boto3's resource API returns) as a number
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _follow(environment: dict[str, str]) -> None:
    from docket.process import forget_environment

    current = followed(os.environ)
    if environment == current:
        return
    for name in current.keys() - environment.keys():
        del os.environ[name]
    os.environ.update(environment)
    forget_environment()


def serve(function: str, source: str | None, requests: int, replies: int) -> None:
    from infra.local.invoke import LocalContext
    from infra.tools.functions import load

    try:
        handler = load(function, path=Path(source) if source else None).handler
    except BaseException as exc:  # the init phase failed: Lambda reports it on the invocation
        failure = error(
            "Runtime.ImportModuleError", f"{type(exc).__name__}: {exc}", traceback.format_exc().splitlines()
        )
        if read_frame(requests) is not None:
            write_frame(replies, failure)
        return
    while (request := read_frame(requests)) is not None:
        if request.get("env") is not None:
            _follow(request["env"])
        context = LocalContext(function, int(request.get("timeoutMs") or 29_000))
        try:
            reply: dict[str, Any] = {"result": handler(request["event"], context)}
        except Exception as exc:
            reply = error(type(exc).__name__, str(exc), traceback.format_exc().splitlines())
        try:
            try:
                write_frame(replies, reply)
            except (TypeError, ValueError) as exc:
                write_frame(replies, error("Runtime.MarshalError", f"Unable to marshal response: {exc}"))
        except BrokenPipeError:  # the emulator stopped
            return


def main() -> None:
    function = sys.argv[1]
    source = sys.argv[2] if len(sys.argv) > 2 else None
    # frames travel on private copies of stdin/stdout; the handler's stdout goes to stderr
    requests, replies = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    serve(function, source, requests, replies)


if __name__ == "__main__":
    main()
