"""API keys: created once and shown once, scoped to a subset of the creator's permissions,
accepted wherever a token is, revoked at once."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_identity_flow import PASSWORD, register_firm

pytestmark = pytest.mark.e2e


def owner_auth(api: httpx.Client) -> dict[str, str]:
    email, _ = register_firm(api)
    token = api.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["data"]["accessToken"]
    return {"Authorization": f"Bearer {token}"}


def test_an_api_key_works_like_a_token_within_its_permissions_until_revoked(api: httpx.Client) -> None:
    auth = owner_auth(api)
    created = api.post(
        "/auth/api-keys", json={"name": "Reporting", "permissions": ["feedback:read"]}, headers=auth
    )
    assert created.status_code == 201, created.text
    key = created.json()["data"]
    assert key["key"].startswith("dk_key_")
    assert key["prefix"] == key["key"][:16]

    as_key = {"X-API-Key": key["key"]}
    assert api.get("/feedback", headers=as_key).status_code == 200
    # the key holds read, not write
    assert api.post("/feedback", json={"feature": "x", "rating": 1}, headers=as_key).status_code == 403
    # keys cannot mint keys
    assert (
        api.post(
            "/auth/api-keys", json={"name": "x", "permissions": ["feedback:read"]}, headers=as_key
        ).status_code
        == 403
    )

    listed = api.get("/auth/api-keys", headers=auth).json()["data"]["apiKeys"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert "key" not in listed[0]
    assert listed[0]["lastUsedAt"] is not None

    assert api.delete(f"/auth/api-keys/{key['id']}", headers=auth).status_code == 200
    assert api.get("/feedback", headers=as_key).status_code == 401


@pytest.mark.parametrize(
    "value", ["", "nonsense", "dk_key_01ABC_wrong", "dk_key_01JD0000000000000000000000_secret"]
)
def test_unknown_or_malformed_keys_are_401(api: httpx.Client, value: str) -> None:
    assert api.get("/feedback", headers={"X-API-Key": value}).status_code == 401


def test_a_tampered_secret_is_401(api: httpx.Client) -> None:
    auth = owner_auth(api)
    key = api.post(
        "/auth/api-keys", json={"name": "k", "permissions": ["feedback:read"]}, headers=auth
    ).json()["data"]
    tampered = key["key"][:-2] + ("AA" if not key["key"].endswith("AA") else "BB")
    assert api.get("/feedback", headers={"X-API-Key": tampered}).status_code == 401


def test_a_key_cannot_hold_more_than_its_creator(api: httpx.Client, token_for) -> None:  # type: ignore[no-untyped-def]
    limited = {
        "Authorization": f"Bearer {token_for('usr_admin', 'org_keys', permissions=('apikeys:manage', 'feedback:read'))}"
    }
    refused = api.post(
        "/auth/api-keys", json={"name": "k", "permissions": ["feedback:write"]}, headers=limited
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["field"] == "permissions"
    nobody = {"Authorization": f"Bearer {token_for('usr_plain', 'org_keys', permissions=('feedback:read',))}"}
    assert (
        api.post(
            "/auth/api-keys", json={"name": "k", "permissions": ["feedback:read"]}, headers=nobody
        ).status_code
        == 403
    )
