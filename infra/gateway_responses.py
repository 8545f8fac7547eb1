"""API Gateway's own answers — authorizer refusals, unknown routes, throttling, its 5xx — declared once.

The stack's gateway responses (`infra/constructs/api.py`) and the local emulator's refusals
(`infra/local/apigw.py`) are both built from `GATEWAY_RESPONSES`, so a browser app reads the same
status, error envelope and headers from either. No CDK import here: the emulator reads this too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: On every gateway response: without them a browser app cannot read a 401, 403 or 404 at all
#: (the function's own responses carry their CORS headers from `docket.api.resolver`).
CORS_HEADERS: Mapping[str, str] = MappingProxyType(
    {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "WWW-Authenticate"}
)


@dataclass(frozen=True)
class GatewayResponse:
    #: Construct id suffix (`Gateway<name>`).
    name: str
    #: API Gateway's response type (`UNAUTHORIZED`, `DEFAULT_5XX`, …).
    response_type: str
    status: int
    #: The error code in Docket's envelope.
    code: str
    #: API Gateway's own message for it (`$context.error.messageString`).
    message: str
    #: Headers beyond the CORS ones.
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {**CORS_HEADERS, **self.extra_headers}


GATEWAY_RESPONSES: tuple[GatewayResponse, ...] = (
    # RFC 6750: a 401 names the scheme the client should use
    GatewayResponse(
        "Unauthorized",
        "UNAUTHORIZED",
        401,
        "AUTHENTICATION_FAILED",
        "Unauthorized",
        {"WWW-Authenticate": "Bearer"},
    ),
    GatewayResponse(
        "AccessDenied",
        "ACCESS_DENIED",
        403,
        "AUTHORIZATION_FAILED",
        "User is not authorized to access this resource",
    ),
    GatewayResponse(
        "MissingToken",
        "MISSING_AUTHENTICATION_TOKEN",
        404,
        "RESOURCE_NOT_FOUND",
        "Missing Authentication Token",
    ),
    GatewayResponse("Throttled", "THROTTLED", 429, "RATE_LIMIT_EXCEEDED", "Too Many Requests"),
    GatewayResponse("TooLarge", "REQUEST_TOO_LARGE", 413, "PAYLOAD_TOO_LARGE", "Request Too Long"),
    GatewayResponse(
        "Timeout", "INTEGRATION_TIMEOUT", 504, "INTERNAL_SERVER_ERROR", "Endpoint request timed out"
    ),
    GatewayResponse("Default4xx", "DEFAULT_4XX", 400, "VALIDATION_ERROR", "Bad Request"),
    GatewayResponse("Default5xx", "DEFAULT_5XX", 500, "INTERNAL_SERVER_ERROR", "Internal server error"),
)


def gateway_response(response_type: str) -> GatewayResponse:
    for response in GATEWAY_RESPONSES:
        if response.response_type == response_type:
            return response
    raise KeyError(response_type)
