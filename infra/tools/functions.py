"""Import function modules by file path (they are all called `app.py`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"


def module_name(function: str) -> str:
    return f"docket_function_{function}"


def load(function: str, *, fresh: bool = False, path: Path | None = None) -> ModuleType:
    """`functions/<function>/app.py` (or the module at `path`) as a module, cached in sys.modules
    unless `fresh`."""
    name = module_name(function)
    if not fresh and name in sys.modules:
        return sys.modules[name]
    path = path or FUNCTIONS_DIR / function / "app.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
