"""Routes are declared once: every route a group serves is under a prefix the topology gives it,
and the committed OpenAPI spec is what the code generates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from docket import topology
from infra.tools import openapi, seed_coverage
from infra.tools.functions import load

GROUPS = [g.name for g in topology.API_GROUPS]


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample_1", path)


@pytest.mark.parametrize("group", GROUPS)
def test_every_route_of_a_group_lands_on_that_group(group: str) -> None:
    app = load(group).app
    routes = app._static_routes + app._dynamic_routes
    assert routes, f"{group} serves nothing"
    for route in routes:
        path = route.path.replace("<", "{").replace(">", "}")
        found = topology.match(route.method, _sample(path))
        assert found is not None, f"{route.method} {path} is under no prefix"
        assert found.group.name == group, f"{route.method} {path} belongs to {found.group.name}"


@pytest.mark.parametrize("group", GROUPS)
def test_public_routes_exist_in_their_group(group: str) -> None:
    app = load(group).app
    # the resolver's rules name parameters `<token>`, API Gateway's resources `{token}`
    served = {
        (r.method, re.sub(r"<(\w+)>", r"{\1}", r.path)) for r in app._static_routes + app._dynamic_routes
    }
    for route in topology.group(group).public:
        assert (route.method, route.path) in served


def test_the_committed_spec_is_what_the_code_generates() -> None:
    committed = json.loads(openapi.SPEC_FILE.read_text(encoding="utf-8"))
    assert committed == json.loads(openapi.render(openapi.build_spec())), "run `make openapi`"


def test_no_operation_documents_a_server_error() -> None:
    # a 5xx is a defect, never a documented answer: the fuzz run checks responses against the spec
    spec = openapi.build_spec()
    documented = {
        (method.upper(), path, status)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for status in operation.get("responses", {})
    }
    assert documented, "the spec documents no responses at all"
    assert not {entry for entry in documented if entry[2].startswith("5")}
    assert {status for _, _, status in documented} >= {"400", "401", "403", "404", "429"}


def test_public_operations_need_no_credentials_and_the_rest_do() -> None:
    spec = openapi.build_spec()
    assert spec["paths"]["/health"]["get"]["security"] == []
    for method, operation in spec["paths"]["/feedback"].items():
        assert "security" not in operation, method
        assert "401" in operation["responses"]
        assert "422" not in operation["responses"]


def test_served_seed_endpoints_are_owned_by_the_group_the_seeds_name() -> None:
    # CI checks the clone out beside shared/seeds: without them this contract would go unchecked,
    # so their absence fails the suite rather than skipping it
    seeds = seed_coverage.DEFAULT_SEEDS
    assert Path(seeds).exists(), f"the seed contract needs {seeds} (shared/seeds beside the checkout)"
    served, _ = seed_coverage.coverage(seed_coverage.read_rows(seeds))
    assert served
    for row in served:
        found = topology.match(row.method, _sample(row.path))
        if row.group in ("websocket",):
            continue
        assert found is not None
        assert found.group.name == row.group, f"{row.method} {row.path}"
