"""What a request costs in AWS calls: none where none is needed."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient

from docket.settings import Settings
from tests.integration.support import call


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every botocore call (boto3 and PynamoDB alike) as `(service.Operation, parameters)`."""
    made: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        made.append((f"{client.meta.service_model.service_name}.{operation}", params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    return made


def test_the_health_check_calls_no_aws_service(aws: Settings, aws_calls: list[Any]) -> None:
    # Given rate limits on (as deployed), When a monitor polls the health check
    reply = call("platform", "GET", "/v1/health")
    # Then it answers without counting the request anywhere
    assert reply.status == 200
    assert aws_calls == []
    assert "X-RateLimit-Limit" not in reply.headers


def test_a_cors_preflight_calls_no_aws_service(aws: Settings, aws_calls: list[Any]) -> None:
    # Given a browser's preflight for a protected route (API Gateway passes it without the authorizer)
    reply = call(
        "helpdesk",
        "OPTIONS",
        "/v1/feedback",
        headers={"Origin": "https://app.firm.example", "Access-Control-Request-Method": "POST"},
    )
    # Then it is answered from the configuration alone
    assert reply.status == 204
    assert aws_calls == []


def test_other_routes_are_still_rate_limited(aws: Settings, aws_calls: list[Any]) -> None:
    # Given the public OpenAPI document, When it is fetched, Then the caller's counter moves (one write)
    reply = call("docs", "GET", "/v1/openapi.json")
    assert reply.status == 200
    assert [name for name, _ in aws_calls] == ["dynamodb.UpdateItem"]
    assert reply.headers["X-RateLimit-Limit"]
