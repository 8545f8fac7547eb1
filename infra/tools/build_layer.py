"""Build what Lambda runs (python3.12, arm64) without Docker: the two layers and the function code.

- **Dependencies layer** (`.build/layers/deps/python`): `uv export` gives the runtime requirements from
  the lock file; `uv pip` fetches aarch64 wheels for CPython 3.12. A stamp of the requirements skips
  the download when nothing changed.
- **Code** (`.build/code`): the `docket` layer (`core/python/docket`) and each function's folder
  (`functions/<name>`), copied from the source tree.

Everything is byte-compiled with the runtime's Python (`compileall`, unchecked-hash pycs): Lambda's
`/opt` and `/var/task` are read-only, so without shipped bytecode every cold start compiles every
module it imports, and an unchecked-hash pyc is used as is (no source stat or hash compared).
Without a Python of the runtime's version (pyenv's, or `python3.12` on PATH) the build says so and
ships source only: pycs of another version are never loaded.

The platform tag is the runtime's glibc: python3.12 on Lambda runs on Amazon Linux 2023 (glibc 2.34),
so any `manylinux_2_x` wheel with x <= 34 loads there. Targeting manylinux2014 (glibc 2.17) instead
refuses wheels that are published only for newer levels (argon2-cffi-bindings 26.x ships
`manylinux_2_26_aarch64` and nothing older), and the whole resolution fails.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER_SOURCE = ROOT / "layers" / "core"
FUNCTIONS_SOURCE = ROOT / "functions"
BUILD = ROOT / ".build"
DEPS_DIR = BUILD / "layers" / "deps"
CODE_DIR = BUILD / "code"
UV = ROOT / ".tools" / "bin" / "uv"
#: uv's name for Lambda's platform (arm64, Amazon Linux 2023's glibc)
UV_PLATFORM = "aarch64-manylinux_2_34"
PYTHON_VERSION = "3.12"

#: Lambda's limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
UNZIPPED_LIMIT_MB = 250  # function + all its layers, unzipped
ZIPPED_UPLOAD_LIMIT_MB = 50  # one zip uploaded directly (a layer or a function)
_SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


def runtime_python(version: str = PYTHON_VERSION) -> Path | None:
    """An interpreter of the runtime's Python version: pyenv's newest `version.x`, else `pythonX.Y` on
    PATH, else this interpreter if it is that version; None when the machine has none."""
    candidates: list[Path] = []
    try:
        pyenv_root = subprocess.run(
            ["pyenv", "root"], check=True, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pyenv_root = ""
    if pyenv_root:
        versions = Path(pyenv_root) / "versions"
        found = [p for p in versions.glob(f"{version}.*") if (p / "bin" / "python").exists()]
        found.sort(key=lambda p: tuple(int(x) for x in p.name.split(".") if x.isdigit()), reverse=True)
        candidates += [p / "bin" / "python" for p in found]
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        candidates.append(Path(sys.executable))
    return candidates[0] if candidates else None


def compile_tree(root: Path, python: Path) -> int:
    """Byte-compile every module under `root` with `python` (unchecked-hash pycs); returns the pyc count."""
    subprocess.run(
        [
            str(python),
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(root),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return sum(1 for _ in root.rglob("*.pyc"))


def requirements() -> str:
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return exported.stdout


def build(target: Path = DEPS_DIR, *, uv_platform: str = UV_PLATFORM, python: Path | None = None) -> Path:
    """The dependencies layer for `uv_platform` (the bench builds a twin for this machine's platform),
    compiled with `python` (the runtime's, found when not given)."""
    python = python or runtime_python()
    wanted = requirements()
    stamp = target / ".requirements.sha256"
    compiled_with = _version_of(python) if python else "source"
    digest = hashlib.sha256(f"{uv_platform}{PYTHON_VERSION}{compiled_with}{wanted}".encode()).hexdigest()
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
            uv_platform,
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
    if python is not None:
        compile_tree(target / "python", python)
    else:
        _warn_source_only()
    stamp.write_text(digest)
    return target


def build_code(target: Path = CODE_DIR, *, python: Path | None = None, compiled: bool = True) -> Path:
    """The `docket` layer (`target/core/python`) and every function (`target/functions/<name>`), as
    shipped: copied without caches, then compiled (unless `compiled` is False: the bench's 'before')."""
    python = python or runtime_python()
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(LAYER_SOURCE, target / "core", ignore=_SKIPPED)
    for function in sorted(p for p in FUNCTIONS_SOURCE.iterdir() if (p / "app.py").exists()):
        shutil.copytree(function, target / "functions" / function.name, ignore=_SKIPPED)
    if compiled and python is not None:
        compile_tree(target, python)
    elif compiled:
        _warn_source_only()
    return target


def _version_of(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print(sys.version.split()[0])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _warn_source_only() -> None:
    print(
        f"warning: no Python {PYTHON_VERSION} found (pyenv or python{PYTHON_VERSION} on PATH): "
        "shipping source without bytecode; every cold start will compile what it imports",
        file=sys.stderr,
    )


@dataclass(frozen=True)
class Size:
    unzipped_mb: float
    zipped_mb: float
    files: int
    pycs: int


def size_of(root: Path) -> Size:
    """Unzipped size, zipped size (deflate, as CDK packs assets) and file counts of a directory."""
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(root))
    return Size(
        unzipped_mb=sum(p.stat().st_size for p in files) / 1e6,
        zipped_mb=buffer.tell() / 1e6,
        files=len(files),
        pycs=sum(1 for p in files if p.suffix == ".pyc"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()
    python = runtime_python()
    print(f"runtime Python: {python or 'none found (source only)'}")
    deps = build(python=python)
    code = build_code(python=python)
    for name, path in (("dependencies layer", deps / "python"), ("docket layer", code / "core")):
        size = size_of(path)
        print(
            f"{name}: {path.relative_to(ROOT)} {size.unzipped_mb:.1f} MB unzipped, "
            f"{size.zipped_mb:.1f} MB zipped, {size.files} files ({size.pycs} pyc)"
        )


if __name__ == "__main__":
    main()
