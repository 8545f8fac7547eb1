"""API keys never manage API keys — not even a key holding every permission (`*`): listing,
creating and revoking keys is for signed-in people (403 with a message saying so)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from docket.identity import accounts, apikeys
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import Reply, call
from tests.integration.test_login_guard import PASSWORD, register

EMAIL = "owner@firm.example"


def owner() -> Principal:
    register(EMAIL)
    return authenticate_rest(
        {"Authorization": f"Bearer {accounts.login(EMAIL, PASSWORD).tokens.access_token}"}
    )


def all_powerful_key(creator: Principal) -> tuple[apikeys.ApiKey, Principal]:
    item, full = apikeys.create(creator, "Everything", ["*"])
    return item, authenticate_rest({"X-API-Key": full})


MANAGEMENT: dict[str, Callable[[Principal, apikeys.ApiKey], Reply]] = {
    "list": lambda key, _: call("auth", "GET", "/auth/api-keys", principal=key),
    "create": lambda key, _: call(
        "auth", "POST", "/auth/api-keys", principal=key, body={"name": "Successor", "permissions": ["*"]}
    ),
    "revoke": lambda key, target: call("auth", "DELETE", f"/auth/api-keys/{target.id}", principal=key),
}


@pytest.mark.parametrize("action", MANAGEMENT)
def test_a_key_with_every_permission_cannot_manage_keys(aws: Settings, action: str) -> None:
    # Given an owner's API key that holds `*`
    person = owner()
    item, key = all_powerful_key(person)
    assert key.permissions == ("*",)

    # When the key lists, creates or revokes API keys
    reply = MANAGEMENT[action](key, item)

    # Then it is refused with a message that says why
    assert reply.status == 403, reply.body
    assert reply.error["code"] == "AUTHORIZATION_FAILED"
    assert "API keys cannot create, list or revoke API keys" in reply.error["message"]
    # and nothing changed: the owner still sees exactly the one live key
    listed = call("auth", "GET", "/auth/api-keys", principal=person)
    assert [(k["id"], k["revokedAt"]) for k in listed.data["apiKeys"]] == [(item.id, None)]
