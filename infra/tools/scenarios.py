"""Each function's representative first request, built against the embedded AWS (for `make bench`).

The data a request needs (a session, a feedback item, an organization, the key set) is created in
the embedded AWS first; the events are real-shaped (the emulator's builders, `events/*.json`).
"""

from __future__ import annotations

import json
from typing import Any

from docket.security.principal import Principal
from infra.local import payloads
from infra.tools.coldstart import Scenario

MEMBER = Principal(
    user_id="usr_bench",
    org_id="org_bench",
    permissions=("feedback:*", "audit:*", "credits:read", "clients:read", "clients:write"),
)


def _status(expected: int) -> Any:
    return lambda result: isinstance(result, dict) and result.get("statusCode") == expected


def rest_event(
    method: str,
    path: str,
    *,
    principal: Principal | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    return payloads.build_rest_event(
        method=method,
        path=path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query or {},
        body=json.dumps(body).encode() if body is not None else None,
        authorizer={"principalId": principal.user_id, **principal.to_context()} if principal else None,
        source_ip="198.51.100.1",
    )


def cold_start_scenarios(response_url: str) -> dict[str, Scenario]:
    """One scenario per function (`topology.all_function_names()`), in the embedded AWS's account."""
    from docket.clients import service as clients
    from docket.clients.schemas import ClientIn
    from docket.helpdesk import feedback
    from docket.identity import accounts, sessions
    from docket.security.tokens import TokenClaims, issue_access_token
    from docket.topology import all_function_names

    item = feedback.submit(MEMBER, feedback.FeedbackIn(feature="Cold start", rating=4))
    client = clients.create(MEMBER, ClientIn(name="Cold Start LLP"))
    registered = accounts.register(
        organization_name="Bench LLP",
        organization_email="office@bench.example",
        first_name="Ada",
        last_name="Bench",
        email="ada@bench.example",
        password="Bench-Password-2026!",
    )
    owner = Principal(
        user_id=registered.user.id,
        org_id=registered.organization.id,
        permissions=("organizations:manage",),
        roles=("owner",),
    )
    # the authorizer resolves the caller's membership on every request: the bench firm has one
    pk, sk = accounts.membership_key(MEMBER.org_id, MEMBER.user_id)
    accounts.Membership(
        pk=pk, sk=sk, org_id=MEMBER.org_id, user_id=MEMBER.user_id, roles=["staff"], joined_at="bench"
    ).save()
    tokens = sessions.start(
        user_id=MEMBER.user_id, org_id=MEMBER.org_id, roles=("staff",), permissions=MEMBER.permissions
    )
    protected = rest_event("GET", f"/v1/feedback/{item.id}", principal=None)
    # an hour-long access token: the bench replays the recording for longer than the 15 minutes
    access = issue_access_token(
        TokenClaims(
            user_id=MEMBER.user_id,
            org_id=MEMBER.org_id,
            permissions=MEMBER.permissions,
            session_id=tokens.session_id,
        ),
        ttl_s=3600,
    )
    protected["headers"]["Authorization"] = f"Bearer {access}"
    connect = payloads.build_websocket_event(
        "$connect",
        payloads.new_connection_id(),
        authorizer={"principalId": MEMBER.user_id, **MEMBER.to_context()},
    )
    signing_secret = _setting("DOCKET_SIGNING_KEY_SECRET_ID")
    scenarios = [
        Scenario("platform", "GET /health", rest_event("GET", "/v1/health", principal=None), _status(200)),
        Scenario(
            "docs", "GET /openapi.json", rest_event("GET", "/v1/openapi.json", principal=None), _status(200)
        ),
        Scenario(
            "auth",
            "POST /auth/refresh (rotate a refresh token)",
            rest_event(
                "POST", "/v1/auth/refresh", principal=None, body={"refreshToken": tokens.refresh_token}
            ),
            _status(200),
        ),
        Scenario(
            "helpdesk",
            "GET /feedback/{id}",
            rest_event("GET", f"/v1/feedback/{item.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "clients",
            "GET /clients/{id}",
            rest_event("GET", f"/v1/clients/{client.id}", principal=MEMBER),
            _status(200),
        ),
        Scenario(
            "directory",
            "PUT /organizations/me/settings",
            rest_event(
                "PUT",
                "/v1/organizations/me/settings",
                principal=owner,
                body={"settings": {"requireMfa": False}},
            ),
            _status(200),
        ),
        Scenario(
            "authorizer",
            "REST request with a Bearer token",
            payloads.build_authorizer_event(protected),
            lambda result: isinstance(result, dict) and "policyDocument" in result,
        ),
        Scenario("websocket", "$connect", connect, _status(200)),
        Scenario(
            "publisher",
            "one stream record (feedback created)",
            payloads.template("dynamodb_stream.json"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "notifier",
            "one queued domain event (no connection to push to)",
            payloads.template("sqs.json"),
            lambda result: result == {"batchItemFailures": []},
        ),
        Scenario(
            "keys",
            "custom resource Create (the key set exists)",
            payloads.custom_resource_event(
                "Create", properties={"SecretId": signing_secret}, response_url=response_url
            ),
            lambda result: isinstance(result, dict) and result.get("Status") == "SUCCESS",
        ),
    ]
    chosen = {s.function: s for s in scenarios}
    missing = set(all_function_names()) - set(chosen)
    if missing:
        raise RuntimeError(f"no cold-start scenario for {sorted(missing)}")
    return {name: chosen[name] for name in all_function_names()}


def _setting(name: str) -> str:
    import os

    return os.environ[name]


def settings_environment() -> dict[str, str]:
    """The deployed functions' settings, as the embedded AWS set them in this process."""
    import os

    from docket.settings import Settings

    names = set(Settings.variable_names().values())
    return {name: value for name, value in os.environ.items() if name in names}
