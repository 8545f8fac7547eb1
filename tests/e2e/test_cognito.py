"""A Cognito user pool (moto) configured as a trusted issuer: its access tokens are accepted for
the Docket user with the same email, over REST and WebSocket; other pools' clients are not."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import jwt
import pytest
from websockets.sync.client import connect

from tests.e2e.test_identity_flow import register_firm

pytestmark = pytest.mark.e2e


@pytest.fixture
def pool(emulator: Any) -> Iterator[dict[str, str]]:
    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="firm-sso")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="docket", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    trusted = {
        "issuer": issuer,
        "clientIds": [client_id],
        # moto names the real Cognito host as `iss` but serves the keys itself
        "jwksUrl": f"{emulator.aws.endpoint}/{pool_id}/.well-known/jwks.json",
    }
    emulator.aws.configure(trusted_issuers=[trusted])
    try:
        yield {"pool_id": pool_id, "client_id": client_id, "issuer": issuer}
    finally:
        emulator.aws.configure(trusted_issuers=())


def cognito_token(pool: dict[str, str], username: str, groups: tuple[str, ...] = ()) -> str:
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool["pool_id"], Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool["pool_id"], Username=username, Password="Pool-Pass-123!", Permanent=True
    )
    for group in groups:
        cognito.create_group(UserPoolId=pool["pool_id"], GroupName=group)
        cognito.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=username, GroupName=group)
    result = cognito.initiate_auth(
        ClientId=pool["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "Pool-Pass-123!"},
    )
    return str(result["AuthenticationResult"]["AccessToken"])


def test_a_cognito_access_token_acts_as_the_docket_user(
    api: httpx.Client, emulator: Any, pool: dict[str, str]
) -> None:
    email, registered = register_firm(api)
    token = cognito_token(pool, email, groups=("attorney",))
    auth = {"Authorization": f"Bearer {token}"}
    created = api.post("/feedback", json={"feature": "SSO", "rating": 5}, headers=auth)
    assert created.status_code == 201, created.text
    # groups became roles: an attorney may not triage
    feedback_id = created.json()["data"]["id"]
    assert api.put(f"/feedback/{feedback_id}", json={"status": "reviewed"}, headers=auth).status_code == 403
    # and the same token opens a WebSocket, which then receives the firm's events
    with connect(f"{emulator.ws_url}?token={token}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        # (the first feedback's event may still be on its way: skip to the pong)
        while json.loads(socket.recv(timeout=5))["type"] != "pong":
            pass
        pushed = api.post("/feedback", json={"feature": "Push", "rating": 4}, headers=auth)
        assert pushed.status_code == 201, pushed.text
        while True:
            frame = json.loads(socket.recv(timeout=15))
            if frame.get("type") == "feedback.created" and frame["data"]["feature"] == "Push":
                break
    assert frame["data"]["orgId"] == registered["organizationId"]


def test_a_token_for_another_client_or_an_unknown_user_is_refused(
    api: httpx.Client, pool: dict[str, str]
) -> None:
    cognito = boto3.client("cognito-idp")
    other_client = cognito.create_user_pool_client(
        UserPoolId=pool["pool_id"], ClientName="someone-else", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    email, _ = register_firm(api)
    cognito_token(pool, email)
    foreign = cognito.initiate_auth(
        ClientId=other_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Pool-Pass-123!"},
    )["AuthenticationResult"]["AccessToken"]
    assert api.get("/feedback", headers={"Authorization": f"Bearer {foreign}"}).status_code == 401
    stranger = cognito_token(pool, "nobody@elsewhere.example")
    assert api.get("/feedback", headers={"Authorization": f"Bearer {stranger}"}).status_code == 401
    id_token = cognito.initiate_auth(
        ClientId=pool["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Pool-Pass-123!"},
    )["AuthenticationResult"]["IdToken"]
    assert api.get("/feedback", headers={"Authorization": f"Bearer {id_token}"}).status_code == 401


def test_a_linked_cognito_identity_acts_as_its_docket_user_whatever_its_email(
    api: httpx.Client, pool: dict[str, str]
) -> None:
    from docket.identity import links

    _, registered = register_firm(api)
    # the pool knows the person under another address; a link by `sub` names the Docket user
    token = cognito_token(pool, f"pool-name-{secrets.token_hex(3)}@sso.example")
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/feedback", headers=auth).status_code == 401
    subject = jwt.decode(token, options={"verify_signature": False})["sub"]
    links.link(issuer=pool["issuer"], subject=subject, user_id=registered["userId"], provider="cognito")
    created = api.post("/feedback", json={"feature": "Linked", "rating": 5}, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["userId"] == registered["userId"]
