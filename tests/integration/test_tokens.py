"""Docket access tokens and the authorizer: valid tokens pass, everything else is a 401."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from docket.identity import sessions
from docket.security.keys import load_key_set, new_key_entry
from docket.security.tokens import CLIENT_ID, TokenClaims
from docket.settings import Settings
from infra.tools.functions import load
from tests.integration.support import FakeContext

CLAIMS = TokenClaims(
    user_id="usr_1",
    org_id="org_A",
    email="a@firm.example",
    roles=("attorney",),
    permissions=("feedback:read",),
)
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:api123/v1/GET/feedback"


def authorize(
    headers: dict[str, str], *, websocket: bool = False, query: dict[str, str] | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {"requestId": "r-1"}
    if websocket:
        context.update(routeKey="$connect", eventType="CONNECT", connectionId="conn-1")
    event = {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "headers": headers,
        "queryStringParameters": query,
        "requestContext": context,
    }
    result: dict[str, Any] = load("authorizer").handler(event, FakeContext())
    return result


def forge(aws: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    live = sessions.start(user_id="usr_1", org_id="org_A")
    payload = {
        "sid": live.session_id,
        "sub": "usr_1",
        "iss": aws.token_issuer,
        "token_use": "access",
        "client_id": CLIENT_ID,
        "custom:org_id": "org_A",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    payload.update(overrides)
    return payload


def signed(aws: Settings, payload: dict[str, Any], **header: Any) -> str:
    key = load_key_set(aws.signing_key_secret_id).active
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid, **header})


def valid_token() -> str:
    return sessions.start(
        user_id=CLAIMS.user_id,
        org_id=CLAIMS.org_id,
        email=CLAIMS.email,
        roles=CLAIMS.roles,
        permissions=CLAIMS.permissions,
    ).access_token


def test_a_valid_token_is_allowed_with_the_principal_as_context(aws: Settings) -> None:
    result = authorize({"Authorization": f"Bearer {valid_token()}"})
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert result["principalId"] == "usr_1"
    assert result["context"]["orgId"] == "org_A"
    assert result["context"]["roles"] == "attorney"
    assert result["context"]["permissions"] == "feedback:read"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def attacks(aws: Settings) -> dict[str, str]:
    key = load_key_set(aws.signing_key_secret_id).active
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = signed(aws, forge(aws))
    header, _, signature = good.split(".")
    import hashlib
    import hmac

    unsigned = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{_b64(forge(aws))}"
    hs256 = (
        unsigned
        + "."
        + base64.urlsafe_b64encode(hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest())
        .rstrip(b"=")
        .decode()
    )
    stranger = new_key_entry()
    stranger_key = serialization.load_pem_private_key(stranger["privatePem"].encode(), password=None)
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(forge(aws))}.",
        "HS256 signed with the public key": hs256,
        "expired": signed(aws, forge(aws, exp=int(time.time()) - 120, iat=int(time.time()) - 900)),
        "not yet valid": signed(aws, forge(aws, nbf=int(time.time()) + 600)),
        "wrong iss": signed(aws, forge(aws, iss="https://evil.example")),
        "wrong client_id": signed(aws, forge(aws, client_id="someone-else")),
        "id token": signed(aws, forge(aws, token_use="id")),
        "no tenant": signed(aws, forge(aws, **{"custom:org_id": None})),
        "tampered payload": f"{header}.{_b64(forge(aws, sub='usr_admin'))}.{signature}",
        "unknown kid": jwt.encode(
            forge(aws), stranger_key, algorithm="RS256", headers={"kid": stranger["kid"]}
        ),  # type: ignore[arg-type]
        "garbage": "not-a-jwt",
        "no session": jwt.encode(
            {k: v for k, v in forge(aws).items() if k != "sid"},
            key.private_key,
            algorithm="RS256",
            headers={"kid": key.kid},
        ),
        "revoked session": revoked_session_token(),
    }


def revoked_session_token() -> str:
    started = sessions.start(user_id="usr_1", org_id="org_A")
    sessions.revoke(started.session_id, reason="test")
    return started.access_token


@pytest.mark.parametrize(
    "attack",
    [
        "alg none",
        "HS256 signed with the public key",
        "expired",
        "not yet valid",
        "wrong iss",
        "wrong client_id",
        "id token",
        "no tenant",
        "tampered payload",
        "unknown kid",
        "garbage",
        "no session",
        "revoked session",
    ],
)
def test_token_attacks_are_refused_as_401(aws: Settings, attack: str) -> None:
    token = attacks(aws)[attack]
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}]
)
def test_missing_or_non_bearer_credentials_are_401(aws: Settings, headers: dict[str, str]) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(headers)


def test_websocket_connect_takes_the_token_from_the_query_and_allows_anonymous_pings(aws: Settings) -> None:
    with_token = authorize({}, websocket=True, query={"token": valid_token()})
    assert with_token["context"]["orgId"] == "org_A"
    anonymous = authorize({}, websocket=True)
    assert anonymous["context"]["userId"] == "anonymous"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({}, websocket=True, query={"token": "forged"})
