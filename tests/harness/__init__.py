"""Test harnesses every route inherits: fuzzing the spec, hostile request shapes, tenant isolation.

They read the operations from an OpenAPI spec (the committed one, or a planted one in the harness's
own tests), act as real firm members (`firms`), and raise AssertionError with an exact reproduction
when a route answers 5xx, leaves its spec, or crosses a tenant. `planted` serves deliberately broken
routes through the same emulator machinery, so the harness proves it catches what it is for.

| module | job |
| --- | --- |
| `spec` | the spec's operations, schemas resolved, valid example bodies, validity by the spec |
| `firms` | real firms: registered, verified, logged in; members in system roles; their data |
| `resources` | per path parameter: how a firm creates the resource it names and how its owner sees it |
| `fuzz` | schemathesis, positive and negative, real ids mixed with generated ones |
| `hostile` | hand-made shapes: deep nesting, nulls, wrong JSON types, huge numbers, bad UTF-8, `.é` |
| `isolation` | another tenant's ids, lists and writes; members without the permission |
| `known_failures` | the explicit table of defects found and owned by another part of the work |
| `planted` | defective routes for testing the harness itself |
"""
