"""Docket access tokens and the authorizer: valid tokens pass, everything else is a 401."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from docket.identity import sessions
from docket.security.keys import load_key_set, new_signing_key, parse_key_set
from docket.security.tokens import CLIENT_ID, TokenClaims
from docket.settings import Settings
from infra.local.keys import rotate_signing_keys
from infra.tools.functions import load
from tests.integration.conftest import TimeTravel
from tests.integration.support import FakeContext
from tests.members import member_session

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
    return member_session(
        CLAIMS.user_id, CLAIMS.org_id, email=CLAIMS.email, permissions=CLAIMS.permissions
    ).access_token


def test_a_valid_token_is_allowed_with_the_principal_as_context(aws: Settings) -> None:
    # Given a member of org_A whose only role grants feedback:read
    result = authorize({"Authorization": f"Bearer {valid_token()}"})
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert result["principalId"] == "usr_1"
    assert result["context"]["orgId"] == "org_A"
    assert result["context"]["roles"].startswith("role_")
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
    stranger = new_signing_key()
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
            forge(aws), stranger.private_key, algorithm="RS256", headers={"kid": stranger.kid}
        ),
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


def test_websocket_connect_takes_the_token_from_the_query_only(aws: Settings) -> None:
    with_token = authorize({}, websocket=True, query={"token": valid_token()})
    assert with_token["context"]["orgId"] == "org_A"
    # no anonymous connections, and a header is not where a WebSocket token comes from
    for headers, query in (
        ({}, {}),
        ({}, {"token": " "}),
        ({"Authorization": f"Bearer {valid_token()}"}, {}),
    ):
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            authorize(headers, websocket=True, query=query)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({}, websocket=True, query={"token": "forged"})


def signed_by_the_stored_set(aws: Settings) -> str:
    """A token signed with the active key of the set as stored now, as a freshly started auth
    function signs it (this process's cached copy may be older)."""
    # AWSCURRENT named explicitly: moto's default version does not follow the stage a rotation moves
    raw = boto3.client("secretsmanager").get_secret_value(
        SecretId=aws.signing_key_secret_id, VersionStage="AWSCURRENT"
    )["SecretString"]
    key = parse_key_set(raw).active
    return jwt.encode(forge(aws), key.private_key, algorithm="RS256", headers={"kid": key.kid})


def stranger_token(aws: Settings) -> str:
    stranger = new_signing_key()
    return jwt.encode(forge(aws), stranger.private_key, algorithm="RS256", headers={"kid": stranger.kid})


def test_a_key_rotated_in_after_the_set_was_cached_is_accepted_at_once(aws: Settings) -> None:
    # Given the authorizer has the key set cached
    authorize({"Authorization": f"Bearer {valid_token()}"})
    # When the set is rotated and a token is signed with the new key
    rotate_signing_keys(aws.signing_key_secret_id)
    token = signed_by_the_stored_set(aws)
    # Then the unknown kid makes the authorizer read the set again, and the token passes
    result = authorize({"Authorization": f"Bearer {token}"})
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    # while a kid that is in no set is still refused after that reload
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({"Authorization": f"Bearer {stranger_token(aws)}"})


def test_unknown_kids_reload_the_key_set_at_most_every_30_seconds(aws: Settings, travel: TimeTravel) -> None:
    authorize({"Authorization": f"Bearer {valid_token()}"})
    # Given a made-up kid just made the authorizer reload the set (and was refused)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({"Authorization": f"Bearer {stranger_token(aws)}"})
    # When the set is rotated within the next 30 s
    rotate_signing_keys(aws.signing_key_secret_id)
    token = signed_by_the_stored_set(aws)
    # Then the new kid is not looked up again yet: a flood of unknown kids costs one read per 30 s
    travel.forward(seconds=20)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize({"Authorization": f"Bearer {token}"})
    # and once 30 s have passed since the reload, it is
    travel.forward(seconds=11)
    assert authorize({"Authorization": f"Bearer {token}"})["principalId"] == "usr_1"
