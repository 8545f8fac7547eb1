"""Tenant isolation: every route that takes an id, called by another tenant with a real id, is a 404.

Parametrised from the merged OpenAPI spec, so a new route with a path parameter joins this test
automatically — and fails it until a factory below says how to create the resource it names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from infra.tools.openapi import SPEC_FILE

pytestmark = pytest.mark.e2e

OWNER_PERMISSIONS = ("*",)


def _routes_with_ids() -> list[tuple[str, str]]:
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if "{" in path
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    )


# path template → creates the resource as `owner` and returns the path parameters naming it
Factory = Callable[[httpx.Client, dict[str, str]], dict[str, str]]


def _feedback(api: httpx.Client, owner: dict[str, str]) -> dict[str, str]:
    created = api.post("/feedback", json={"feature": "Isolation", "rating": 3}, headers=owner)
    assert created.status_code == 201
    return {"feedbackId": created.json()["data"]["id"]}


def _api_key(api: httpx.Client, owner: dict[str, str]) -> dict[str, str]:
    created = api.post(
        "/auth/api-keys", json={"name": "Isolation", "permissions": ["feedback:read"]}, headers=owner
    )
    assert created.status_code == 201
    return {"keyId": created.json()["data"]["id"]}


def _session(api: httpx.Client, owner: dict[str, str]) -> dict[str, str]:
    # sessions belong to a user, not a tenant: the intruder is another user (of another tenant)
    listed = api.get("/auth/sessions", headers=owner)
    assert listed.status_code == 200
    [current] = [s for s in listed.json()["data"]["sessions"] if s["current"]]
    return {"sessionId": current["id"]}


FACTORIES: dict[str, Factory] = {
    "/feedback/{feedbackId}": _feedback,
    "/auth/api-keys/{keyId}": _api_key,
    "/auth/sessions/{sessionId}": _session,
}
#: A body valid for each (method, path), so the 404 comes from the tenant check, not validation.
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/feedback/{feedbackId}"): {"rating": 1},
}


def test_every_route_with_an_id_has_a_factory() -> None:
    missing = sorted({path for _, path in _routes_with_ids()} - set(FACTORIES))
    assert not missing, f"add isolation factories for {missing}"


@pytest.mark.parametrize(("method", "path"), _routes_with_ids())
def test_another_tenants_id_is_not_found(
    api: httpx.Client, token_for: Callable[..., str], method: str, path: str
) -> None:
    owner = {"Authorization": f"Bearer {token_for('usr_owner', 'org_owner', permissions=OWNER_PERMISSIONS)}"}
    intruder = {
        "Authorization": f"Bearer {token_for('usr_intruder', 'org_intruder', permissions=OWNER_PERMISSIONS)}"
    }
    params = FACTORIES[path](api, owner)
    url = path.format(**params)
    reply = api.request(method, url, headers=intruder, json=BODIES.get((method, path)))
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
    # and the owner still reaches it
    if ("GET", path) in _routes_with_ids():
        assert api.get(url, headers=owner).status_code == 200
