"""The data layer reads no HTTP request state: what an audit entry needs of the request (actor,
origin) reaches it explicitly, in the principal or an AuditContext, never through `docket.api`."""

from __future__ import annotations

import ast
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "layers" / "core" / "python" / "docket" / "data"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_data_module_imports_the_api_layer() -> None:
    offenders = {
        path.name: sorted(name for name in _imports(path) if name.startswith("docket.api"))
        for path in sorted(DATA.glob("*.py"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}
