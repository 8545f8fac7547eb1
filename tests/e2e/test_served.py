"""What `make dev` serves: health, the merged spec, Swagger UI, under every base path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("base", ["/v1", "/api/v1", "/api"])
def test_health_spec_and_docs_are_public_under_every_base_path(emulator: Any, base: str) -> None:
    with httpx.Client(base_url=emulator.base_url + base, timeout=10) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["data"]["status"] == "ok"
        spec = client.get("/openapi.json")
        assert spec.status_code == 200
        assert spec.json()["openapi"].startswith("3.")
        assert "/feedback" in spec.json()["paths"]
        docs = client.get("/docs/")
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()


def test_protected_routes_need_a_token(api: httpx.Client) -> None:
    reply = api.get("/feedback")
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "AUTHENTICATION_FAILED"
    forged = api.get("/feedback", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401
