"""Domain errors. Each carries its HTTP status and Docket error code; one mapper renders them.

Adapters translate botocore/PynamoDB failures into these at the edge; routes raise them and never
pick a status themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DocketError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self, message: str | None = None, *, details: Any = None, headers: dict[str, str] | None = None
    ):
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(DocketError):
    status = 400
    code = "VALIDATION_ERROR"
    default_message = "Validation failed"


class AuthenticationFailed(DocketError):
    status = 401
    code = "AUTHENTICATION_FAILED"
    default_message = "Invalid or expired token"


class InsufficientTokens(DocketError):
    status = 402
    code = "INSUFFICIENT_TOKENS"
    default_message = "Not enough tokens for this operation"


class Forbidden(DocketError):
    status = 403
    code = "AUTHORIZATION_FAILED"
    default_message = "Insufficient permissions"


class MfaSetupRequired(Forbidden):
    code = "MFA_SETUP_REQUIRED"
    default_message = "Your organization requires MFA: enrol with POST /mfa/setup/initialize first"


class MfaStepUpRequired(Forbidden):
    code = "MFA_STEP_UP_REQUIRED"
    default_message = 'Confirm it is you: send a current authenticator or backup code, {"code": "123456"}'


class InvalidCsrfToken(DocketError):
    status = 403
    code = "INVALID_CSRF_TOKEN"
    default_message = "CSRF token validation failed"


class NotFound(DocketError):
    status = 404
    code = "RESOURCE_NOT_FOUND"
    default_message = "Requested resource not found"


class MethodNotAllowed(DocketError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = "Method not allowed on this resource"


class Conflict(DocketError):
    status = 409
    code = "CONFLICT"
    default_message = "The resource was changed by another request"


class Gone(DocketError):
    """The resource existed and is no longer usable (an expired or withdrawn invitation)."""

    status = 410
    code = "GONE"
    default_message = "The resource is no longer available"


class PreconditionFailed(DocketError):
    status = 412
    code = "PRECONDITION_FAILED"
    default_message = "The resource does not match If-Match"


class PayloadTooLarge(DocketError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "Request body is too large"


class UnsupportedMediaType(DocketError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Unsupported content type"


class RateLimited(DocketError):
    status = 429
    code = "RATE_LIMIT_EXCEEDED"
    default_message = "Rate limit exceeded"

    def __init__(self, retry_after: int, headers: dict[str, str] | None = None):
        self.retry_after = retry_after
        super().__init__(
            f"Rate limit exceeded. Try again in {retry_after} seconds.",
            details={"retryAfter": retry_after},
            headers={**(headers or {}), "Retry-After": str(retry_after)},
        )


class ServiceUnavailable(DocketError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "Service temporarily unavailable"


#: Every error an API operation can answer with, for the OpenAPI spec.
API_ERRORS: tuple[type[DocketError], ...] = (
    ValidationFailed,
    AuthenticationFailed,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Gone,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    DocketError,
)
