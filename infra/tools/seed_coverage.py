"""Which seed endpoints the API serves: rows of `shared/seeds/endpoints.tsv` against the merged spec.

    python -m infra.tools.seed_coverage [--seeds PATH] [--write docs/seed-coverage.md]

A row counts as served when the merged OpenAPI spec has its method and path (path parameter
names aside), or when it is one of the routes served outside the spec (Swagger UI, WebSocket).
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from infra.tools.functions import ROOT
from infra.tools.openapi import build_spec

DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds" / "endpoints.tsv"
#: Served, but not REST operations of the spec.
OUTSIDE_SPEC = {("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/ws")}
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class SeedRow:
    seed: str
    method: str
    path: str
    group: str


def normalize(path: str) -> str:
    return _PARAM.sub("{}", path.rstrip("/") or "/")


def read_rows(path: Path) -> list[SeedRow]:
    with path.open(encoding="utf-8") as handle:
        return [
            SeedRow(r["seed"], r["method"].upper(), r["path"], r["group"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def served_operations() -> set[tuple[str, str]]:
    served = {(m, normalize(p)) for m, p in OUTSIDE_SPEC}
    for path, item in build_spec().get("paths", {}).items():
        for method in item:
            served.add((method.upper(), normalize(path)))
    return served


def coverage(rows: list[SeedRow]) -> tuple[list[SeedRow], list[SeedRow]]:
    served = served_operations()
    hit = [r for r in rows if (r.method, normalize(r.path)) in served]
    missing = [r for r in rows if (r.method, normalize(r.path)) not in served]
    return hit, missing


def report(rows: list[SeedRow]) -> str:
    hit, missing = coverage(rows)
    lines = [f"Seed coverage: {len(hit)}/{len(rows)} endpoints served", ""]
    by_group: dict[str, list[SeedRow]] = defaultdict(list)
    for row in missing:
        by_group[row.group].append(row)
    if missing:
        lines.append("Missing, by resource group:")
        for group in sorted(by_group):
            lines.append(f"- {group} ({len(by_group[group])})")
            lines.extend(f"  - `{r.method} {r.path}` (seed {r.seed})" for r in by_group[group])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--write", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args()
    text = report(read_rows(args.seeds))
    print(text, end="")
    if args.write:
        args.write.write_text("# " + text, encoding="utf-8")


if __name__ == "__main__":
    main()
