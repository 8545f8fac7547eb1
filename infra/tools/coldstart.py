"""Cold starts as Lambda runs them: init + first request of every function, in fresh interpreters.

What is measured, per function and per layout:

- the runtime's Python (3.12, found by `build_layer.runtime_python`; the report says when it fell
  back to another), started with `-s` and `PYTHONDONTWRITEBYTECODE=1` on a copy of what ships: the
  dependencies layer and the `docket` layer merged into `opt/python` (as Lambda merges layers into
  `/opt`), the function's folder as the task root. The dependencies are a twin of the deployment
  layer for this machine's CPU (the same requirements, the same build, `x86_64` wheels instead of
  `aarch64` ones: native code cannot load across architectures);
- the handler module's import (init), then its first invocation on a representative event, with
  AWS answered in process (`coldstart_probe`: the answers were recorded once against the embedded
  AWS by the same probe, so each run makes exactly a cold process's calls);
- the environment a deployed function has (its settings, Powertools' variables, Lambda's own
  variables with X-Ray tracing on), so what a first request loads on Lambda it loads here;
- the baseline, measured the same way in the same run: `import boto3` and one DynamoDB client.

Medians over fresh interpreters, interleaved (every run of every candidate before the next run),
so noise from the shared machine falls on all of them alike.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from docket.topology import all_function_names
from infra.runtime_env import function_environment
from infra.tools import build_layer, coldstart_probe
from infra.tools.functions import ROOT

BENCH_DIR = ROOT / ".build" / "bench"
PROBE = Path(coldstart_probe.__file__)
BASELINE = "__baseline__"
BASELINE_CODE = "import boto3\nboto3.client('dynamodb', region_name='us-east-1')"
#: Layouts compared: what shipped before bytecode, and what ships now.
LAYOUTS = ("source", "bytecode")
#: Also probed with the in-function X-Ray SDK on (`-c docket:xraySdk=true`), to show what it costs.
WITH_XRAY_SDK = "helpdesk"
XRAY_SUFFIX = " + X-Ray SDK"
#: What Lambda sets in every python3.12 execution environment (credentials are the role's)
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "1",
    "AWS_ACCESS_KEY_ID": "ASIAPROBEPROBEPROBE00",
    "AWS_SECRET_ACCESS_KEY": "probe-secret-access-key",
    "AWS_SESSION_TOKEN": "probe-session-token",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "_X_AMZN_TRACE_ID": "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


@dataclass(frozen=True)
class Scenario:
    """A function's representative first request: the event and what it should answer."""

    function: str
    description: str
    event: dict[str, Any]
    expect: Callable[[Any], bool] = lambda result: True


@dataclass
class Probed:
    init_s: list[float] = field(default_factory=list)
    first_s: list[float] = field(default_factory=list)

    @property
    def init(self) -> float:
        return statistics.median(self.init_s)

    @property
    def first(self) -> float:
        return statistics.median(self.first_s)

    @property
    def total(self) -> float:
        return statistics.median(i + f for i, f in zip(self.init_s, self.first_s, strict=True))

    @property
    def spread(self) -> float:
        """Half the interquartile range of the totals, relative to their median (the noise)."""
        totals = sorted(i + f for i, f in zip(self.init_s, self.first_s, strict=True))
        if len(totals) < 4:
            return 0.0
        q = statistics.quantiles(totals, n=4)
        return (q[2] - q[0]) / 2 / statistics.median(totals)


@dataclass
class ColdStarts:
    python: str
    python_is_runtime: bool
    runs: int
    scenarios: dict[str, Scenario]
    #: layout → function (or BASELINE) → timings
    probed: dict[str, dict[str, Probed]]
    #: function → [(package, self ms)] heaviest first, from `-X importtime` (bytecode layout)
    heaviest: dict[str, list[tuple[str, float]]]
    #: layout → (docket layer, dependencies layer) sizes
    sizes: dict[str, tuple[build_layer.Size, build_layer.Size]]
    #: files the read-only layout gained while probed (must stay empty)
    written: list[str]

    def ratio(self, layout: str, function: str) -> float:
        return self.probed[layout][function].total / self.probed[layout][BASELINE].total


# ---------------------------------------------------------------------------------------------
# the layout: what ships, laid out as Lambda lays it out


def _host_platform() -> str:
    machine = platform.machine().lower()
    return f"{'aarch64' if machine in ('arm64', 'aarch64') else machine}-manylinux_2_34"


def lay_out(python: Path, layout: str) -> Path:
    """`BENCH_DIR/<layout>/{opt/python, task/<function>}` from a fresh build of what ships."""
    deps = build_layer.build(
        BENCH_DIR / f"deps-{_host_platform()}", uv_platform=_host_platform(), python=python
    )
    code = build_layer.build_code(BENCH_DIR / f"code-{layout}", python=python, compiled=layout == "bytecode")
    root = BENCH_DIR / layout
    shutil.rmtree(root, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__") if layout == "source" else None
    shutil.copytree(deps / "python", root / "opt" / "python", ignore=ignore, copy_function=os.link)
    shutil.copytree(code / "core" / "python", root / "opt" / "python", dirs_exist_ok=True)
    shutil.copytree(code / "functions", root / "task")
    for path in root.rglob("*"):  # read-only, as /opt and /var/task are (root ignores it: see _files)
        if path.is_file():
            path.chmod(0o444)
    return root


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# ---------------------------------------------------------------------------------------------
# one probe


def _environment(
    root: Path, function: str, settings_env: dict[str, str], *, record: bool, xray_sdk: bool = False
) -> dict[str, str]:
    opt = root / "opt" / "python"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "PYTHONPATH": f"{opt / 'lib' / 'python3.12' / 'site-packages'}:{opt}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **LAMBDA_ENV,
        **function_environment(function, xray_sdk=xray_sdk),
        "AWS_LAMBDA_FUNCTION_NAME": f"docket-{function}",
        **settings_env,
    }
    if record:
        env.update(
            AWS_ENDPOINT_URL=os.environ["AWS_ENDPOINT_URL"],
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
        )
        env.pop("AWS_SESSION_TOKEN", None)
    return env


def probe(
    python: Path,
    root: Path,
    function: str,
    env: dict[str, str],
    *,
    event: dict[str, Any] | None = None,
    answers: list[dict[str, Any]] | None = None,
    recorded_at: float | None = None,
    record: bool = False,
    importtime: bool = False,
) -> tuple[dict[str, Any], str]:
    """Run one fresh interpreter; returns the probe's JSON answer and its stderr."""
    spec: dict[str, Any] = {
        "mode": "record" if record else "replay",
        "function": function,
        "answers": answers,
        "recorded_at": recorded_at,
    }
    if function == BASELINE:
        spec.update(task=str(root / "task"), code=BASELINE_CODE)
    else:
        spec.update(task=str(root / "task" / function), module="app", handler="handler", event=event)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        flags = ["-X", "importtime"] if importtime else []
        done = subprocess.run(
            [str(python), "-s", *flags, str(PROBE), handle.name],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=str(root / "task"),
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise RuntimeError(f"probe of {function} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)$")


def heaviest_packages(stderr: str, top: int = 5) -> list[tuple[str, float]]:
    """Self time summed per package (`docket.<area>` for our own), for imports after the marker."""
    lines = stderr.split(coldstart_probe.MARKER, 1)[-1].splitlines()
    cost: dict[str, float] = defaultdict(float)
    for line in lines:
        found = _IMPORTTIME.match(line)
        if not found:
            continue
        name = found.group(4)
        parts = name.split(".")
        package = ".".join(parts[:2]) if parts[0] == "docket" and len(parts) > 1 else parts[0]
        cost[package] += int(found.group(1)) / 1000
    return sorted(cost.items(), key=lambda item: -item[1])[:top]


# ---------------------------------------------------------------------------------------------
# the whole measurement


@contextmanager
def custom_resource_answers() -> Iterator[str]:
    """A loopback stand-in for CloudFormation's pre-signed ResponseURL (the keys function PUTs there)."""

    class Answer(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cloudformation-response"
    finally:
        server.shutdown()


def measure(scenarios: dict[str, Scenario], settings_env: dict[str, str], *, runs: int = 7) -> ColdStarts:
    """Every scenario's cold start in every layout, `runs` times each, interleaved."""
    found = build_layer.runtime_python()
    python = found or Path(sys.executable)
    if found is None:
        print(
            f"warning: no Python {build_layer.PYTHON_VERSION}: measuring with {sys.executable}",
            file=sys.stderr,
        )
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    roots = {layout: lay_out(python, layout) for layout in LAYOUTS}
    before = {layout: _files(root) for layout, root in roots.items()}
    names = [BASELINE, *scenarios]

    # one recording per function (bytecode layout; the calls do not depend on the layout)
    recorded: dict[str, dict[str, Any]] = {}
    for function, scenario in scenarios.items():
        env = _environment(roots["bytecode"], function, settings_env, record=True)
        answer, stderr = probe(python, roots["bytecode"], function, env, event=scenario.event, record=True)
        if not scenario.expect(answer["result"]):
            raise RuntimeError(
                f"{function}: unexpected answer while recording: {answer['result']}\n{stderr[-2000:]}"
            )
        recorded[function] = answer

    def replay(root: Path, name: str, *, importtime: bool = False) -> tuple[dict[str, Any], str]:
        function = name.removesuffix(XRAY_SUFFIX)
        env = _environment(root, function, settings_env, record=False, xray_sdk=name != function)
        recording = recorded.get(function)
        answer, stderr = probe(
            python,
            root,
            function,
            env,
            event=scenarios[function].event if function in scenarios else None,
            answers=recording["answers"] if recording else None,
            recorded_at=recording["recorded_at"] if recording else None,
            importtime=importtime,
        )
        if answer["unanswered"]:
            raise RuntimeError(f"{name} asked AWS for what the recording lacks: {answer['unanswered']}")
        if recording and answer["status"] != recording["status"]:
            raise RuntimeError(
                f"{name} answered {answer['status']} replayed, {recording['status']} recorded:\n{stderr[-2000:]}"
            )
        return answer, stderr

    probed: dict[str, dict[str, Probed]] = {layout: {name: Probed() for name in names} for layout in LAYOUTS}
    if WITH_XRAY_SDK in scenarios:
        probed["bytecode"][WITH_XRAY_SDK + XRAY_SUFFIX] = Probed()
    for _ in range(runs):
        for layout, root in roots.items():
            for name in probed[layout]:
                answer, _ = replay(root, name)
                probed[layout][name].init_s.append(answer["init_s"])
                probed[layout][name].first_s.append(answer["first_s"])

    heaviest = {
        name: heaviest_packages(replay(roots["bytecode"], name, importtime=True)[1])
        for name in probed["bytecode"]
    }

    written = sorted(
        f"{layout}/{path}" for layout, root in roots.items() for path in _files(root) - before[layout]
    )
    sizes = {
        layout: (
            build_layer.size_of(BENCH_DIR / f"code-{layout}" / "core"),
            _deps_size(layout),
        )
        for layout in LAYOUTS
    }
    return ColdStarts(
        python=version,
        python_is_runtime=found is not None,
        runs=runs,
        scenarios=scenarios,
        probed=probed,
        heaviest=heaviest,
        sizes=sizes,
        written=written,
    )


def _deps_size(layout: str) -> build_layer.Size:
    """The deployment layer's size (aarch64), with or without its pycs."""
    deps = build_layer.DEPS_DIR / "python"
    if not deps.is_dir():
        deps = BENCH_DIR / f"deps-{_host_platform()}" / "python"
    if layout == "bytecode":
        return build_layer.size_of(deps)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "python"
        shutil.copytree(deps, copy, ignore=shutil.ignore_patterns("__pycache__"), copy_function=os.link)
        return build_layer.size_of(copy)


def all_functions() -> list[str]:
    return list(all_function_names())
