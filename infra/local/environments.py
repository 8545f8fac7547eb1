"""Execution environments, as Lambda gives each function: worker processes (`infra.local.worker`),
each serving one invocation at a time, created on demand up to a small cap per function and in all,
reaped when idle. The emulator's invoker (`Environments` is an `Invoker`).

Why processes: the `docket` layer keeps request state in module globals (`docket.api.request`,
the logger's keys), as one Lambda sandbox may; two invocations in one process would see each
other's request. A process per environment gives each invocation its own module state, as on Lambda,
and lets requests run at once. They are started fresh (`subprocess`, an exec'd interpreter), never
forked from this threaded process.

- A busy function gets another environment (a cold start: ~1 s to import a handler) until it has
  `per_function`; at `total` environments an idle one of another function makes room, or the
  invocation waits for one to be free.
- Each invocation carries the emulator's environment when it changed for that worker (the
  embedded AWS endpoint, Settings: `LocalAws.reset()` renews the secret ARNs), so a warm
  environment follows a reset as a fresh one would.
- A handler exception is the invocation's error (`InvocationError`, with Lambda's errorType and
  errorMessage; the gateway answers 500) and the environment stays warm; a worker that dies is an
  error too and is replaced by the next invocation; a timeout kills that environment.
- Workers write their logs to stderr; mail goes through SES to the embedded AWS, which lives in
  the emulator's process, so the mailbox reads it there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docket.topology import QUEUES
from infra.local.worker import FRAME_HEADER, followed, read_exactly, write_frame
from infra.tools.functions import ROOT

log = logging.getLogger("docket.local.environments")

#: Environments per function, and in all (each is a Python process of ~60-100 MB).
PER_FUNCTION = 4
TOTAL = 16
#: An environment idle this long is reaped (Lambda keeps them minutes, too).
IDLE_S = 120.0
#: Every function's timeout but the queue consumers' own (the stack's DocketFunction default).
DEFAULT_TIMEOUT_S = 29.0


def declared_timeout(function: str) -> float:
    for spec in QUEUES:
        if spec.consumer == function:
            return float(spec.consumer_timeout_s)
    return DEFAULT_TIMEOUT_S


class InvocationError(Exception):
    """An invocation failed (Lambda's function error): `str(error)` is its errorMessage."""

    def __init__(self, function: str, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.function = function
        self.error_type = error_type
        self.trace = trace or []


class InvocationTimeout(InvocationError):
    """The invocation outlived the function's timeout; its environment was ended."""


class WorkerLost(InvocationError):
    """The environment's process died during the invocation."""


@dataclass(eq=False)
class Environment:
    """One worker process of one function."""

    function: str
    process: subprocess.Popen[bytes]
    #: The environment variables last sent (None: nothing sent yet).
    sent: dict[str, str] | None = None
    last_used: float = field(default_factory=time.monotonic)
    invocations: int = 0

    @classmethod
    def start(cls, function: str, source: Path | None = None) -> Environment:
        command = [sys.executable, "-m", "infra.local.worker", function]
        if source is not None:
            command.append(str(source))
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            # its own session: a Ctrl-C in the terminal stops the emulator, which ends its workers
            start_new_session=True,
        )
        return cls(function=function, process=process)

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: dict[str, Any], timeout_s: float) -> Any:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        environment = followed(os.environ)
        request = {
            "event": event,
            "timeoutMs": int(timeout_s * 1000),
            "env": environment if environment != self.sent else None,
        }
        deadline = time.monotonic() + timeout_s
        try:
            write_frame(self.process.stdin.fileno(), request)
        except (BrokenPipeError, OSError):
            raise self._lost() from None
        self.sent = environment
        self.invocations += 1
        reply = self._reply(self.process.stdout.fileno(), deadline, timeout_s)
        self.last_used = time.monotonic()
        if "error" in reply:
            failure = reply["error"]
            raise InvocationError(
                self.function,
                str(failure.get("errorType")),
                str(failure.get("errorMessage")),
                failure.get("stackTrace"),
            )
        return reply.get("result")

    def _reply(self, fd: int, deadline: float, timeout_s: float) -> dict[str, Any]:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            self.close(kill=True)
            raise InvocationTimeout(
                self.function, "Sandbox.Timedout", f"Task timed out after {timeout_s:.2f} seconds"
            )
        header = read_exactly(fd, FRAME_HEADER.size)
        body = read_exactly(fd, FRAME_HEADER.unpack(header)[0]) if header is not None else None
        if body is None:
            raise self._lost()
        return dict(json.loads(body))

    def _lost(self) -> WorkerLost:
        code = self.process.wait(timeout=5)
        return WorkerLost(
            self.function,
            "Runtime.ExitError",
            f"RequestId: local Error: Runtime exited with error: exit status {code}",
        )

    def close(self, *, kill: bool = False) -> None:
        """End the process: at once (`kill`), or by closing its input (it exits between invocations)."""
        if self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        elif self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


class Environments:
    """The emulator's invoker: `environments(function, event)` runs the function in one of its
    execution environments and returns the handler's result (or raises `InvocationError`)."""

    def __init__(
        self,
        *,
        per_function: int = PER_FUNCTION,
        total: int = TOTAL,
        idle_s: float = IDLE_S,
        timeout_of: Callable[[str], float] = declared_timeout,
        source_of: Callable[[str], Path | None] = lambda function: None,
    ) -> None:
        self.per_function = per_function
        self.total = total
        self.idle_s = idle_s
        self._timeout_of = timeout_of
        self._source_of = source_of
        self._changed = threading.Condition()
        #: Idle environments per function, the most recently used last.
        self._idle: dict[str, list[Environment]] = {}
        #: Environments per function, idle, busy or starting.
        self._count: dict[str, int] = {}
        #: Every started environment still in the pool, idle or busy.
        self._running: set[Environment] = set()
        self._closed = False
        self._stop_reaper = threading.Event()
        self._reaper = threading.Thread(target=self._reap_forever, name="environments-reaper", daemon=True)
        self._reaper.start()

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        environment = self._acquire(function)
        started = time.perf_counter()
        try:
            return environment.invoke(event, self._timeout_of(function))
        finally:
            log.debug(
                "%s (pid %d) invoked in %.1f ms",
                function,
                environment.pid,
                (time.perf_counter() - started) * 1000,
            )
            self._release(environment)

    # the pool ----------------------------------------------------------------------------------------

    def _acquire(self, function: str) -> Environment:
        evicted: list[Environment] = []
        with self._changed:
            while True:
                if self._closed:
                    raise InvocationError(function, "Emulator.Stopped", "the emulator is stopping")
                idle = self._idle.get(function)
                if idle:
                    return idle.pop()  # the warmest one, as Lambda reuses
                mine = self._count.get(function, 0)
                if mine < self.per_function:
                    if sum(self._count.values()) >= self.total:
                        victim = self._oldest_idle()
                        if victim is not None:
                            evicted.append(victim)
                            self._forget(victim)
                    if sum(self._count.values()) < self.total:
                        self._count[function] = mine + 1
                        break
                self._changed.wait()
        for victim in evicted:
            victim.close()
        try:
            started = Environment.start(function, self._source_of(function))
        except BaseException:
            with self._changed:
                self._count[function] -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            self._running.add(started)
        return started

    def _release(self, environment: Environment) -> None:
        with self._changed:
            if environment.alive and not self._closed:
                self._idle.setdefault(environment.function, []).append(environment)
            else:
                self._count[environment.function] -= 1
                self._running.discard(environment)
                environment.close()
            self._changed.notify_all()

    def _oldest_idle(self) -> Environment | None:
        idle = [e for environments in self._idle.values() for e in environments]
        return min(idle, key=lambda e: e.last_used, default=None)

    def _forget(self, environment: Environment) -> None:
        """Take an idle environment out of the pool (under the lock)."""
        self._idle[environment.function].remove(environment)
        self._count[environment.function] -= 1
        self._running.discard(environment)

    def _reap_forever(self) -> None:
        while not self._stop_reaper.wait(min(5.0, self.idle_s)):
            self.reap()

    def reap(self, *, idle_s: float | None = None) -> int:
        """End environments idle longer than `idle_s` (default: the pool's); returns how many."""
        horizon = time.monotonic() - (self.idle_s if idle_s is None else idle_s)
        with self._changed:
            stale = [
                e for environments in self._idle.values() for e in environments if e.last_used <= horizon
            ]
            for environment in stale:
                self._forget(environment)
            self._changed.notify_all()
        for environment in stale:
            environment.close()
        return len(stale)

    # what is running ---------------------------------------------------------------------------------

    def pids(self, function: str | None = None) -> list[int]:
        """The process ids of the environments (of one function, or all), idle or busy."""
        with self._changed:
            return sorted(e.pid for e in self._running if function in (None, e.function))

    def idle_pids(self, function: str) -> list[int]:
        with self._changed:
            return [e.pid for e in self._idle.get(function, [])]

    def counts(self) -> dict[str, int]:
        with self._changed:
            return {name: count for name, count in self._count.items() if count}

    def close(self) -> None:
        """End every environment (busy ones finish their invocation first, then end)."""
        self._stop_reaper.set()
        with self._changed:
            self._closed = True
            idle = [e for environments in self._idle.values() for e in environments]
            for environment in idle:
                self._forget(environment)
            self._changed.notify_all()
        for environment in idle:
            environment.close()
