"""The merged OpenAPI spec of every resource group, generated from the code.

    python -m infra.tools.openapi            # print it
    python -m infra.tools.openapi --write    # write functions/docs/openapi.json (served by the docs group)

Each group's resolver gives its own schema; they are merged (Powertools `OpenAPIMerge`), then the
platform-wide parts are added in one place: the security schemes, `security: []` on public routes
(from the topology), and the error envelope responses every operation can answer with.

No operation documents a 5xx: bad input is a 4xx, so a 500 is a defect, never part of the contract
(and the fuzz run, which checks responses against this spec, fails on one). The resolver still
renders an unexpected error as a 500 envelope; the spec just does not promise it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi import OpenAPIMerge

from docket.api.models import ErrorEnvelope
from docket.errors import API_ERRORS, DocketError
from docket.topology import API_GROUPS, strip_base_path
from infra.tools.functions import FUNCTIONS_DIR, load

SPEC_FILE = FUNCTIONS_DIR / "docs" / "openapi.json"
TITLE = "Docket API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Docket: multi-tenant legal practice platform. Every route is served under `/v1`, `/api/v1` and "
    "`/api`. JSON is camelCase out; camelCase or snake_case in. Lists paginate with `cursor`/`limit` "
    "(or `page`/`limit`, `limit`/`offset`)."
)
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


def _group_schema(app: APIGatewayRestResolver) -> dict[str, Any]:
    schema = app.get_openapi_schema(title=TITLE, version=VERSION)
    return json.loads(schema.model_dump_json(by_alias=True, exclude_none=True))


def _public_operations() -> set[tuple[str, str]]:
    public = set()
    for group in API_GROUPS:
        for route in group.public:
            public.add((route.method.lower(), route.path))
    return public


def documented_errors() -> tuple[type[DocketError], ...]:
    """The error statuses every operation documents: every client error, no server error."""
    return tuple(error for error in API_ERRORS if error.status < 500)


def _error_responses() -> dict[str, Any]:
    # Public routes answer 401/403 too (a failed login, a foreign organization), so every
    # operation documents every client error status.
    responses = {}
    for error in documented_errors():
        responses[str(error.status)] = {
            "description": error.default_message,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
        }
    return responses


def build_spec(apps: Mapping[str, APIGatewayRestResolver] | None = None) -> dict[str, Any]:
    """The merged spec of `apps` (group name → resolver; by default every group in the topology)."""
    if apps is None:
        apps = {group.name: load(group.name).app for group in API_GROUPS}
    merge = OpenAPIMerge(title=TITLE, version=VERSION, description=DESCRIPTION, on_conflict="error")
    for app in apps.values():
        merge.add_schema(_group_schema(app))
    spec = json.loads(merge.get_openapi_json_schema())

    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    envelope = ErrorEnvelope.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas.update(envelope.pop("$defs", {}))
    schemas["ErrorEnvelope"] = envelope
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    components["securitySchemes"] = SECURITY_SCHEMES
    spec["security"] = [{"bearerAuth": []}, {"apiKeyAuth": []}]
    spec["servers"] = [{"url": "/v1"}, {"url": "/api/v1"}, {"url": "/api"}]

    public = _public_operations()
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            is_public = (method, strip_base_path(path)) in public
            if is_public:
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, response in _error_responses().items():
                responses.setdefault(status, response)
    return spec


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {SPEC_FILE}")
    args = parser.parse_args()
    text = render(build_spec())
    if args.write:
        SPEC_FILE.write_text(text, encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
