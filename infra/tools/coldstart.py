"""Cold import of each function's handler module, in fresh interpreters of a runtime-only venv.

Dev tools (CDK, moto, pytest plugins) inflate imports, so the measurement runs in `.build/runtime-venv`
holding exactly the Lambda dependencies layer's requirements (created on first use).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
from pathlib import Path

from docket.topology import all_function_names
from infra.tools.functions import FUNCTIONS_DIR, ROOT

RUNTIME_VENV = ROOT / ".build" / "runtime-venv"
UV = ROOT / ".tools" / "bin" / "uv"
LAYER_PATH = ROOT / "layers" / "core" / "python"

BASELINE = "import boto3\nboto3.client('dynamodb', region_name='us-east-1')"


def runtime_python() -> Path:
    python = RUNTIME_VENV / "bin" / "python"
    stamp = RUNTIME_VENV / ".lock-hash"
    lock_hash = hashlib.sha256((ROOT / "uv.lock").read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == lock_hash:
        return python
    requirements = ROOT / ".build" / "requirements-runtime.txt"
    requirements.parent.mkdir(parents=True, exist_ok=True)
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    requirements.write_text(exported.stdout)
    subprocess.run(
        [str(UV), "venv", "--quiet", "--clear", "--python", sys.executable, str(RUNTIME_VENV)], check=True
    )
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "-r", str(requirements)], check=True
    )
    stamp.write_text(lock_hash)
    return python


def _timed(python: Path, code: str) -> float:
    program = f"import time\nstart = time.perf_counter()\n{code}\nprint(time.perf_counter() - start)\n"
    env = {**os.environ, "PYTHONPATH": str(LAYER_PATH), "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("AWS_ENDPOINT_URL", None)
    output = subprocess.run([str(python), "-c", program], env=env, check=True, capture_output=True, text=True)
    return float(output.stdout.strip().splitlines()[-1])


def _import_code(function: str) -> str:
    path = FUNCTIONS_DIR / function / "app.py"
    return (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.handler"
    )


def measure(runs: int = 5) -> tuple[float, dict[str, float]]:
    """Median seconds of the baseline, and of each function's import, interleaved in one run."""
    python = runtime_python()
    _timed(python, BASELINE)  # warm the bytecode caches once, for every candidate alike
    for function in all_function_names():
        _timed(python, _import_code(function))
    baseline: list[float] = []
    samples: dict[str, list[float]] = {f: [] for f in all_function_names()}
    for _ in range(runs):
        baseline.append(_timed(python, BASELINE))
        for function in samples:
            samples[function].append(_timed(python, _import_code(function)))
    return statistics.median(baseline), {f: statistics.median(s) for f, s in samples.items()}
