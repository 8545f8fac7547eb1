"""Build the dependencies layer for Lambda (python3.12, arm64) without Docker.

`uv export` gives the runtime requirements from the lock file; `uv pip` fetches aarch64 wheels for
CPython 3.12 into `.build/layers/deps/python`. A stamp of the requirements skips the work when
nothing changed.

The platform tag is the runtime's glibc: python3.12 on Lambda runs on Amazon Linux 2023 (glibc 2.34),
so any `manylinux_2_x` wheel with x <= 34 loads there. Targeting manylinux2014 (glibc 2.17) instead
refuses wheels that are published only for newer levels (argon2-cffi-bindings 26.x ships
`manylinux_2_26_aarch64` and nothing older), and the whole resolution fails.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER_SOURCE = ROOT / "layers" / "core"
DEPS_DIR = ROOT / ".build" / "layers" / "deps"
UV = ROOT / ".tools" / "bin" / "uv"
PLATFORM = "manylinux_2_34_aarch64"
UV_PLATFORM = "aarch64-manylinux_2_34"
PYTHON_VERSION = "3.12"


def requirements() -> str:
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return exported.stdout


def build(target: Path = DEPS_DIR) -> Path:
    wanted = requirements()
    stamp = target / ".requirements.sha256"
    digest = hashlib.sha256(f"{PLATFORM}{PYTHON_VERSION}{wanted}".encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "python").mkdir(parents=True)
    listed = target / "requirements.txt"
    listed.write_text(wanted)
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python-platform",
            UV_PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--target",
            str(target / "python"),
            "-r",
            str(listed),
        ],
        check=True,
    )
    for cache in (target / "python").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    stamp.write_text(digest)
    return target


if __name__ == "__main__":
    path = build()
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    print(f"dependencies layer: {path} ({size / 1e6:.1f} MB unzipped)")
