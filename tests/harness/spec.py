"""The operations of an OpenAPI spec, as the harnesses need them: parameters, the JSON body schema,
a valid example body, and whether a value is valid by the spec (so a harness can tell input the
API must refuse from input it may accept)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from infra.tools.openapi import SPEC_FILE

METHODS = ("get", "put", "post", "delete", "patch")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_SPEC_URI = "urn:docket:spec"
#: what a generated string is made of (plain ASCII: the hostile pass adds the rest)
_TEXT = "Harness"
_EMAIL = "harness@firm.example"


def committed_spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class Spec:
    """A spec document with `$ref` resolution and validation against any schema inside it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )

    def operations(self) -> list[Operation]:
        found = [
            Operation(self, method.upper(), path)
            for path, item in self.document.get("paths", {}).items()
            for method in item
            if method in METHODS
        ]
        return sorted(found, key=lambda op: op.label)

    def operation(self, label: str) -> Operation:
        for operation in self.operations():
            if operation.label == label:
                return operation
        raise KeyError(label)

    def at(self, pointer: str) -> Any:
        """The node at JSON pointer `pointer`."""
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = (
                node[int(part)]
                if isinstance(node, list)
                else node[part.replace("~1", "/").replace("~0", "~")]
            )
        return node

    def resolve(self, schema: Any) -> Any:
        """`schema` with its top-level `$ref` followed (nested ones are followed as they are read)."""
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.at(schema["$ref"].removeprefix("#"))
        return schema

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator of the schema at JSON pointer `pointer` of the document."""
        return Draft202012Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=self._registry)

    def is_valid(self, pointer: str, value: Any) -> bool:
        return bool(self.validator(pointer).is_valid(value))

    # -- examples -------------------------------------------------------------------------------

    def example(self, schema: Any, *, every_field: bool = False, depth: int = 0) -> Any:
        """A value valid by `schema` (required fields only, or `every_field`)."""
        schema = self.resolve(schema)
        if depth > 8 or not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        if schema.get("examples"):
            return schema["examples"][0]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if self.resolve(b).get("type") != "null"]
                return self.example(
                    branches[0] if branches else schema[key][0], every_field=every_field, depth=depth + 1
                )
        if "allOf" in schema:
            return self.example(schema["allOf"][0], every_field=every_field, depth=depth + 1)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", ()))
            return {
                name: self.example(field, every_field=every_field, depth=depth + 1)
                for name, field in schema.get("properties", {}).items()
                if every_field or name in required
            }
        if kind == "array":
            item = self.example(schema.get("items", {}), every_field=every_field, depth=depth + 1)
            return [item] * max(1, int(schema.get("minItems", 1)))
        if kind == "string":
            if "@" in schema.get("pattern", "") or schema.get("format") == "email":
                return _EMAIL
            low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 64))
            return (_TEXT * (1 + low // len(_TEXT)))[: max(low, min(high, len(_TEXT)))]
        if kind in ("integer", "number"):
            value = max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
            value = min(value, schema.get("maximum", value))
            return int(value) if kind == "integer" else float(value)
        if kind == "boolean":
            return False
        return None


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    pointer: str

    def valid(self, spec: Spec, wire: str) -> bool:
        """Whether `wire` (a query or path value, always a string on the wire) is valid by the spec,
        read the way the API reads strings into the declared type."""
        return any(spec.is_valid(f"{self.pointer}/schema", value) for value in _readings(wire))


def _readings(wire: str) -> Iterator[Any]:
    """The values a wire string may stand for: itself, and the number or boolean it spells."""
    yield wire
    try:
        yield int(wire)
    except ValueError:
        try:
            number = float(wire)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                yield number
    if wire in ("true", "false"):
        yield wire == "true"


@dataclass(frozen=True)
class Operation:
    spec: Spec
    method: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def __str__(self) -> str:
        return self.label

    @property
    def pointer(self) -> str:
        return f"/paths/{_escape(self.path)}/{self.method.lower()}"

    @cached_property
    def definition(self) -> dict[str, Any]:
        return dict(self.spec.document["paths"][self.path][self.method.lower()])

    @property
    def public(self) -> bool:
        return self.definition.get("security") == []

    @property
    def platform(self) -> bool:
        """Served to platform administrators only (a `topology` group marked `platform`), outside
        every firm: tenant isolation there means a firm's members are refused."""
        from docket import topology

        found = topology.match(self.method, self.fill(dict.fromkeys(self.path_parameters, "sample_1")))
        return found is not None and found.group.platform

    @cached_property
    def parameters(self) -> list[Parameter]:
        return [
            Parameter(p["name"], p["in"], bool(p.get("required")), f"{self.pointer}/parameters/{index}")
            for index, raw in enumerate(self.definition.get("parameters", []))
            if (p := self.spec.resolve(raw))
        ]

    def in_(self, location: str) -> list[Parameter]:
        return [p for p in self.parameters if p.location == location]

    @property
    def path_parameters(self) -> list[str]:
        return [p.name for p in self.in_("path")]

    @property
    def media_type(self) -> str | None:
        content = self.definition.get("requestBody", {}).get("content", {})
        return next(iter(content), None)

    @property
    def body_pointer(self) -> str | None:
        media = self.media_type
        if media is None:
            return None
        return f"{self.pointer}/requestBody/content/{_escape(media)}/schema"

    @property
    def body_schema(self) -> dict[str, Any] | None:
        content = self.definition.get("requestBody", {}).get("content", {})
        return self.spec.resolve(content[self.media_type]["schema"]) if self.media_type else None

    @property
    def body_required(self) -> bool:
        return bool(self.definition.get("requestBody", {}).get("required"))

    def example_body(self, *, every_field: bool = False) -> Any:
        schema = self.body_schema
        return None if schema is None else self.spec.example(schema, every_field=every_field)

    def body_valid(self, value: Any) -> bool:
        pointer = self.body_pointer
        return pointer is not None and self.spec.is_valid(pointer, value)

    @property
    def documented_statuses(self) -> set[int]:
        return {int(status) for status in self.definition.get("responses", {}) if status.isdigit()}

    def fill(self, params: dict[str, str]) -> str:
        """The path with its parameters filled in."""
        path = self.path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        return path
