"""Hand-made hostile requests over every operation of a spec, for what generators rarely send.

For each operation with a JSON body: nesting 1,000 levels deep, `null` for each field and for all
of them, the wrong top-level JSON type (array, string, number, `true`), duplicate keys, huge
numbers (`1e400`, `10**400`) in each field, `.é` in each field, invalid UTF-8, no body. For a form
body the same ideas in form encoding, and a JSON body instead of a form. For every query and path
parameter: `.é`, `1e400`, a 400-digit number, an empty value. The other parts of the request are
valid (real ids of the caller's firm in the path, the example body), so the shape reaches as far
into the route as it can.

Whether a shape is invalid is decided by the spec itself (jsonschema on the value as the function
receives it), not by hand: an invalid one must be refused with a 4xx. (API Gateway hands a text
body that is not UTF-8 to Lambda with U+FFFD in place of the bad bytes, so such a body is judged
with them.) Every answer must be below 500, documented for
the operation, and — when a 4xx — match the documented error schema (the envelope, or a protocol
route's own shape such as RFC 6749's on `/auth/token`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from tests.harness.spec import FORM, JSON, Operation

DEPTH = 1000
HUGE_EXPONENT = "1e400"
HUGE_INTEGER = "1" + "0" * 400
NON_ASCII = ".é"
#: not UTF-8: a lone continuation byte and a truncated sequence
INVALID_UTF8 = b"\xff\xfe\xc3"


@dataclass(frozen=True)
class Shape:
    name: str
    #: whether the shape is the body (`content`, None for none, with `content_type`); otherwise the
    #: operation's valid example body is sent
    replaces_body: bool = False
    content: bytes | None = None
    content_type: str | None = None
    #: parameters set by the shape; the others are filled with valid values
    query: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    #: the spec says the request is invalid: it must be refused (4xx)
    refuse: bool = False
    #: what refuses it, when it is refused: the schema it breaks (canonical JSON), or "" for the
    #: request's framing, which the shared body reader refuses before any model
    refused_by: str = ""
    #: the shape's kind without the field or parameter it targets ("null field", "1e400 in query")
    kind: str = ""


def _body(
    name: str, content: bytes | None, content_type: str, *, refuse: bool, refused_by: str = ""
) -> Shape:
    return Shape(
        name,
        replaces_body=True,
        content=content,
        content_type=content_type,
        refuse=refuse,
        refused_by=refused_by,
    )


#: schema keywords that only annotate: two schemas differing in them refuse the same values
_ANNOTATIONS = frozenset({"title", "description", "examples", "example", "default"})


def _refusing(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _refusing(v) for k, v in schema.items() if k not in _ANNOTATIONS}
    if isinstance(schema, list):
        return [_refusing(v) for v in schema]
    return schema


def _canonical(schema: Any) -> str:
    """What a schema refuses, spelled one way."""
    return json.dumps(_refusing(schema), sort_keys=True, separators=(",", ":"))


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _body_shapes(operation: Operation, base: Any) -> list[Shape]:
    schema = operation.body_schema or {}
    fields = list(schema.get("properties", {}))

    model = _canonical(schema)

    def shape(
        name: str, content: bytes, *, framing: bool = False, field: str | None = None, kind: str = ""
    ) -> Shape:
        # judged as the function receives it: a duplicate key counts as the last one (Python's
        # parser), bytes that are not UTF-8 arrive as U+FFFD (API Gateway passes text bodies so)
        received = json.loads(content.decode("utf-8", errors="replace"))
        refused_by = "" if framing else field or model
        refuse = not operation.body_valid(received)
        return replace(_body(name, content, JSON, refuse=refuse, refused_by=refused_by), kind=kind or name)

    deep = '{"x":' * DEPTH + "1" + "}" * DEPTH
    key = (fields[0] if fields else "x").encode()
    shapes = [
        _body(f"nesting {DEPTH} deep", deep.encode(), JSON, refuse=True),
        _body("no body", None, JSON, refuse=operation.body_required, refused_by=model),
        shape("invalid UTF-8", b'{"' + key + b'": "' + INVALID_UTF8 + b'"}'),
        shape("array of the body", _json_bytes([base]), framing=True),
        shape("array of two bodies", _json_bytes([base, base]), framing=True),
        shape("string body", _json_bytes("text"), framing=True),
        shape("number body", _json_bytes(1), framing=True),
        shape("true body", _json_bytes(True), framing=True),
        shape("every field null", _json_bytes(dict.fromkeys(fields))),
    ]
    if fields:
        first = fields[0]
        duplicated = _json_bytes(base)[:-1].decode()
        duplicated = (duplicated + ", " if base else "{") + f'"{first}": null, "{first}": "{NON_ASCII}"' + "}"
        shapes.append(shape(f"duplicate {first}", duplicated.encode()))
    for name in fields:
        others = {k: v for k, v in base.items() if k != name}
        prefix = _json_bytes(others)[:-1].decode() + (", " if others else "")
        # a value the field's own schema refuses is refused by that schema, whatever the model
        field_schema = _canonical(operation.spec.resolve(schema["properties"][name]))
        shapes += [
            shape(f"null {name}", _json_bytes({**base, name: None}), field=field_schema, kind="null field"),
            shape(
                f"{NON_ASCII} in {name}",
                _json_bytes({**base, name: NON_ASCII}),
                field=field_schema,
                kind=f"{NON_ASCII} in a field",
            ),
            shape(
                f"{HUGE_EXPONENT} in {name}",
                f'{prefix}"{name}": {HUGE_EXPONENT}}}'.encode(),
                field=field_schema,
                kind=f"{HUGE_EXPONENT} in a field",
            ),
            shape(
                f"10**400 in {name}",
                f'{prefix}"{name}": {HUGE_INTEGER}}}'.encode(),
                field=field_schema,
                kind="10**400 in a field",
            ),
        ]
    return shapes


def _form_shapes(operation: Operation, base: dict[str, str]) -> list[Shape]:
    schema = operation.body_schema or {}
    fields = list(schema.get("properties", {}))

    model = _canonical(schema)

    def shape(name: str, values: dict[str, str], content: bytes | None = None) -> Shape:
        content = urlencode(values).encode() if content is None else content
        return _body(name, content, FORM, refuse=not operation.body_valid(values), refused_by=model)

    last = fields[-1] if fields else "x"
    with_bad_bytes = urlencode({k: v for k, v in base.items() if k != last}).encode() + f"&{last}=".encode()
    shapes = [
        _body("JSON body instead of a form", _json_bytes(base), JSON, refuse=True),
        shape("invalid UTF-8", {**base, last: "\ufffd\ufffd\ufffd"}, with_bad_bytes + INVALID_UTF8),
        _body("no body", None, FORM, refuse=operation.body_required, refused_by=model),
    ]
    for name in fields:
        shapes += [
            shape(f"{NON_ASCII} in {name}", {**base, name: NON_ASCII}),
            shape(f"10**400 in {name}", {**base, name: HUGE_INTEGER}),
        ]
    return shapes


def _parameter_shapes(operation: Operation) -> list[Shape]:
    shapes = []
    for parameter in operation.parameters:
        if parameter.location not in ("query", "path"):
            continue
        values = {NON_ASCII: NON_ASCII, HUGE_EXPONENT: HUGE_EXPONENT, "10**400": HUGE_INTEGER}
        if parameter.location == "query":
            values["empty"] = ""
        for label, value in values.items():
            name = f"{label} in {parameter.location} {parameter.name}"
            refuse = not parameter.valid(operation.spec, value)
            schema = _canonical(operation.spec.at(f"{parameter.pointer}/schema"))
            kind = f"{label} in {parameter.location}"
            if parameter.location == "query":
                shapes.append(
                    Shape(name, query={parameter.name: value}, refuse=refuse, refused_by=schema, kind=kind)
                )
            else:
                shapes.append(
                    Shape(name, path={parameter.name: value}, refuse=refuse, refused_by=schema, kind=kind)
                )
    return shapes


def base_body(operation: Operation, bodies: dict[str, Any] | None = None) -> Any:
    """The valid body the shapes start from: `bodies[label]` (e.g. real credentials, so a shape
    reaches past the password check), else the spec's example of the required fields."""
    if bodies and operation.label in bodies:
        return bodies[operation.label]
    body = operation.example_body()
    return {k: str(v) for k, v in body.items()} if operation.media_type == FORM and body else body


def shapes_of(operation: Operation, bodies: dict[str, Any] | None = None) -> list[Shape]:
    """Every hostile shape for `operation` (none when it takes no input); their names do not
    depend on `bodies`."""
    found = _parameter_shapes(operation)
    base = base_body(operation, bodies)
    if operation.media_type == JSON:
        found = _body_shapes(operation, base or {}) + found
    elif operation.media_type == FORM:
        found = _form_shapes(operation, base or {}) + found
    return found


def representative_shapes(operations: list[Operation]) -> list[tuple[Operation, Shape]]:
    """Every shape of every operation, except refusals that repeat one already listed: a shape the
    spec refuses is stopped before the route's own code — by the shared body reader (its framing)
    or by the validation of the schema it breaks — so the same shape breaking the same schema in
    the same function takes the same path however many routes declare it (the pagination
    parameters of every list, the framing shapes of every body). Shapes the spec accepts reach the
    route's logic and are kept for every operation."""
    from docket import topology

    seen: set[tuple[str, ...]] = set()
    chosen: list[tuple[Operation, Shape]] = []
    for operation in operations:
        found = topology.match(
            operation.method, operation.fill(dict.fromkeys(operation.path_parameters, "x"))
        )
        function = found.group.name if found else operation.label
        for shape in shapes_of(operation):
            if shape.refuse:
                key = (function, shape.content_type or "", shape.kind or shape.name, shape.refused_by)
                if key in seen:
                    continue
                seen.add(key)
            chosen.append((operation, shape))
    return chosen


def shape_named(operation: Operation, name: str, bodies: dict[str, Any] | None = None) -> Shape:
    [found] = [shape for shape in shapes_of(operation, bodies) if shape.name == name]
    return found


def _default_content(operation: Operation, bodies: dict[str, Any] | None) -> tuple[bytes | None, str | None]:
    body = base_body(operation, bodies)
    if body is None:
        return None, None
    if operation.media_type == FORM:
        return urlencode(body).encode(), FORM
    return _json_bytes(body), JSON


def send(
    api: httpx.Client,
    operation: Operation,
    shape: Shape,
    headers: dict[str, str],
    real_ids: dict[str, list[str]],
    bodies: dict[str, Any] | None = None,
) -> httpx.Response:
    params = {name: (real_ids.get(name) or ["sample_1"])[0] for name in operation.path_parameters}
    params.update(shape.path)
    if shape.replaces_body:
        content, content_type = shape.content, shape.content_type
    else:
        content, content_type = _default_content(operation, bodies)
    sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
    path = operation.fill({name: quote(value, safe="") for name, value in params.items()})
    return api.request(operation.method, path, params=shape.query or None, content=content, headers=sent)


def reproduction(operation: Operation, shape: Shape, response: httpx.Response) -> str:
    body = (shape.content or b"")[:200]
    return (
        f"{operation.method} {response.request.url} ({shape.content_type or 'no content type'}) "
        f"body={body!r}{'…' if shape.content and len(shape.content) > 200 else ''} "
        f"→ {response.status_code} {response.text[:300]}"
    )


def check(operation: Operation, shape: Shape, response: httpx.Response) -> None:
    """The answer to a hostile shape: no 5xx, documented, refused when invalid, a 4xx in the
    documented error shape."""
    what = f"{operation} with {shape.name}: {reproduction(operation, shape, response)}"
    status = response.status_code
    assert status < 500, what
    assert status in operation.documented_statuses, f"undocumented status: {what}"
    if shape.refuse:
        assert 400 <= status < 500, f"invalid by the spec, yet accepted: {what}"
    if 400 <= status < 500:
        assert response.headers.get("content-type", "").startswith(JSON), f"not JSON: {what}"
        pointer = f"{operation.pointer}/responses/{status}/content/application~1json/schema"
        assert operation.spec.is_valid(pointer, response.json()), f"not the documented error shape: {what}"
