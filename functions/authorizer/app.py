"""The one authorizer: REST (REQUEST type) and WebSocket `$connect`.

Allows with the principal as context, or raises `Unauthorized` (API Gateway answers 401).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerResponseWebSocket,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from docket.errors import AuthenticationFailed
from docket.observability import logger, traced
from docket.security.authorizer import authenticate_rest, authenticate_websocket


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = event.get("headers") or {}
    request = event.get("requestContext") or {}
    websocket = request.get("eventType") == "CONNECT" or request.get("routeKey") == "$connect"
    try:
        if websocket:
            principal = authenticate_websocket(event.get("queryStringParameters") or {})
        else:
            principal = authenticate_rest(headers)
    except AuthenticationFailed as exc:
        logger.info("refused", extra={"reason": exc.message})
        raise Exception("Unauthorized") from None

    logger.append_keys(tenant_id=principal.org_id, user_id=principal.user_id)
    response_class = APIGatewayAuthorizerResponseWebSocket if websocket else APIGatewayAuthorizerResponse
    response = response_class.from_route_arn(
        event["methodArn"], principal_id=principal.user_id, context=principal.to_context()
    )
    response.allow_all_routes()
    return response.asdict()
