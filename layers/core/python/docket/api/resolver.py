"""The resolver factory every resource group uses, and the Lambda handler around it.

`build_app` gives an `APIGatewayRestResolver` with: the base paths stripped, request validation on
(pydantic, camelCase or snake_case in, camelCase out), the platform middlewares (principal and
log keys, body size, rate limit, idempotency), and one error mapper that renders every failure in
seed 000's envelope. `make_handler` wraps it with Powertools logging, tracing and metrics, and adds
the headers every response carries (request id, rate limit, CORS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from re import Pattern
from typing import Any, cast, get_args

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    OpenAPIResponseValidationMiddleware,
    _is_or_contains_sequence,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from docket import clock
from docket.api import bodies, idempotency, ratelimit
from docket.api import request as request_state
from docket.errors import (
    DocketError,
    InvalidCsrfToken,
    MethodNotAllowed,
    MfaSetupRequired,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from docket.observability import logger, metrics, traced
from docket.security import browser
from docket.settings import get_settings
from docket.topology import BASE_PATHS, MFA_SETUP_ROUTES, Route, rate_category
from docket.topology import group as group_of

#: Bodies larger than this are refused before any work (and before validation): JSON never needs
#: more than 1 MB; other bodies (uploads) get what fits in Lambda's 6 MB synchronous payload.
MAX_JSON_BODY = 1 * 1024 * 1024
MAX_OTHER_BODY = int(5.5 * 1024 * 1024)

CORS_ALLOW_HEADERS = "Authorization,Content-Type,X-API-Key,Idempotency-Key,If-Match,X-CSRF-Token,X-Request-Id"
CORS_EXPOSE_HEADERS = (
    "ETag,Location,Retry-After,X-Request-Id,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,"
    "RateLimit,RateLimit-Policy,Idempotent-Replayed,WWW-Authenticate,Allow"
)
CORS_ALLOW_METHODS = "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS"


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


#: How a route that speaks its own protocol answers a request that fails validation: it gets the
#: field details (as the envelope would show them) and returns the protocol's error response.
RequestErrorRenderer = Callable[[list[dict[str, Any]]], Response[Any]]


class _ExactRoutes(APIGatewayRestResolver):
    """Powertools' REST resolver anchors each route as `^<rule>/*$`, and `$` also matches before a
    final line feed: `GET /feedback/%0A` (an id of one line feed) reached the list `GET /feedback`.
    `\\Z` ends the path where it ends, as API Gateway's own matching does (`topology._pattern`);
    trailing slashes stay optional, as they are in Powertools."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "") -> Pattern[str]:
        return cast("Pattern[str]", ApiGatewayResolver._compile_regex(rule, "^{}/*\\Z"))


def build_app(
    group: str,
    routers: Sequence[Router] = (),
    *,
    protocol_errors: Mapping[str, RequestErrorRenderer] | None = None,
) -> APIGatewayRestResolver:
    """`protocol_errors` maps a route path (`/auth/token`) to how it renders invalid requests."""
    app = _ExactRoutes(
        strip_prefixes=list(BASE_PATHS),
        enable_validation=True,
        serializer=_compact_json,
    )
    app.append_context(group=group)
    for router in routers:
        app.include_router(router)
    _guard_before_validation(app, _request_guard(group))
    app.use(middlewares=[idempotency.middleware])
    _register_error_mapper(app, group, protocol_errors or {})
    return app


class _GuardedValidation(OpenAPIRequestValidationMiddleware):
    """Runs the platform's guard, then Powertools' request validation, reading JSON bodies safely.

    Powertools always puts request validation first in a route's chain; the guard (rate limit,
    CSRF, MFA gate) must come before it, or a flood of invalid requests would never be limited
    and a cookie write without its CSRF token would learn how its body fails validation.

    JSON bodies are read by `docket.api.bodies` (bounded depth, numbers DynamoDB can store), and
    their top-level type must be the one the route declares: Powertools would otherwise take the
    first element of an array sent where an object is expected (its form-data unwrapping)."""

    def __init__(self, guard: Callable[[Any, NextMiddleware], Response[Any]]) -> None:
        super().__init__()
        self.guard = guard

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response[Any]:
        def validate(inner: Any) -> Response[Any]:
            route = inner.context["_route"]
            if not route.dependant.body_params and _is_json(inner.current_event):
                # no route reads this body, but no body may be one that a later reader chokes on
                text = _body_text(inner.current_event)
                if text and bodies.depth(text) > bodies.MAX_DEPTH:
                    raise _invalid_body(bodies.InvalidJson("json_too_deep", _TOO_DEEP))
            return super(_GuardedValidation, self).handler(inner, next_middleware)

        return self.guard(app, cast(NextMiddleware, validate))

    def _parse_json_data(self, app: Any) -> Any:
        event = app.current_event
        text = _body_text(event)
        if not text:
            return None
        try:
            value = bodies.parse(text)
        except bodies.InvalidJson as exc:
            raise _invalid_body(exc) from None
        _check_top_level_type(app.context["_route"].dependant.body_params, value)
        # anything that reads `json_body` later gets this parse, never a recursive json.loads
        event.__dict__["json_body"] = value
        return value


_TOO_DEEP = f"JSON nests deeper than {bodies.MAX_DEPTH} levels"


def _is_json(event: Any) -> bool:
    content_type = str(event.headers.get("content-type", "")).strip()
    return not content_type or content_type.startswith("application/json")


def _body_text(event: Any) -> str | None:
    try:
        text: str | None = event.decoded_body
    except ValueError:  # base64 that is not UTF-8 text
        raise _invalid_body(bodies.InvalidJson("json_invalid", "the body is not UTF-8 text")) from None
    return text


def _invalid_body(exc: bodies.InvalidJson) -> RequestValidationError:
    message = exc.message if exc.position is None else f"{exc.message} (at character {exc.position})"
    return RequestValidationError([{"type": exc.kind, "loc": ("body",), "msg": message, "input": {}}])


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if value is not None else "null"


def _check_top_level_type(body_params: Sequence[Any], value: Any) -> None:
    """An array where the route takes an object (or a scalar where it takes a model) is a 400."""
    if len(body_params) != 1 or getattr(body_params[0].field_info, "embed", False) or value is None:
        return
    annotation = body_params[0].field_info.annotation
    if _is_or_contains_sequence(annotation):
        return
    wants_object = _is_or_contains_model(annotation)
    if isinstance(value, list) or (wants_object and not isinstance(value, dict)):
        expected = "an object" if wants_object else "a single value"
        problem = {"type": "json_type", "loc": ("body",), "input": {}}
        raise RequestValidationError([{**problem, "msg": f"must be {expected}, not {_json_type(value)}"}])


def _is_or_contains_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return not getattr(annotation, "__pydantic_root_model__", False)
    return any(_is_or_contains_model(arg) for arg in get_args(annotation))


def _guard_before_validation(
    app: APIGatewayRestResolver, guard: Callable[[Any, NextMiddleware], Response[Any]]
) -> None:
    # the resolver builds these on the first route when absent; set first, they are used as given
    app._request_validation_middleware = _GuardedValidation(guard)
    app._response_validation_middleware = OpenAPIResponseValidationMiddleware(
        validation_serializer=app._serializer,
        has_response_validation_error=app._has_response_validation_error,
    )


# ---------------------------------------------------------------------------------------------
# middlewares


def _request_guard(group: str) -> Callable[[Any, NextMiddleware], Response[Any]]:
    def request_guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        event = app.current_event
        route = app.context["_route"]
        state = request_state.current()
        if (
            state.principal is not None
            and state.principal.auth_method == "cookie"
            and event.http_method not in browser.SAFE_METHODS
        ):
            presented = browser.header(event.headers, browser.CSRF_HEADER)
            if not browser.csrf_valid(presented, state.principal.session_id):
                raise InvalidCsrfToken()
        if (
            state.principal is not None
            and state.principal.mfa_setup_required
            and Route(event.http_method, route.path) not in MFA_SETUP_ROUTES
        ):
            raise MfaSetupRequired()
        category = rate_category(group, event.http_method, route.path)
        if category is not None and get_settings().rate_limits_enabled:
            caller = (
                state.principal.user_id
                if state.principal
                else f"ip:{event.request_context.identity.source_ip}"
            )
            state.rate = ratelimit.enforce(caller, category)
        return next_middleware(app)

    return request_guard


# ---------------------------------------------------------------------------------------------
# the error mapper: the one place that turns failures into HTTP responses


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response[Any]:
    body = {
        "success": False,
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "timestamp": clock.iso(),
            "requestId": request_state.current().request_id,
        },
    }
    return Response(status_code=status, content_type="application/json", body=body, headers=headers or {})


def _field_of(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    details = []
    for error in errors:
        location = error.get("loc", ())
        details.append(
            {
                "field": _field_of(location),
                "location": str(location[0]) if location else "body",
                "message": error.get("msg") or error.get("type", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    return details


def _register_error_mapper(
    app: APIGatewayRestResolver, group: str, protocol_errors: Mapping[str, RequestErrorRenderer]
) -> None:
    def protocol_renderer() -> RequestErrorRenderer | None:
        route = app.context.get("_route")
        return protocol_errors.get(route.path) if route is not None else None

    @app.exception_handler(DocketError)
    def docket_error(exc: DocketError) -> Response[Any]:
        if exc.status >= 500:
            logger.exception("request failed")
        headers = {**_challenge(app, group, exc.status, exc.message), **exc.headers}
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        details = _validation_details(exc.errors())
        renderer = protocol_renderer()
        if renderer is not None:
            return renderer(details)
        return error_response(400, ValidationFailed.code, "Validation failed", details)

    @app.exception_handler(ResponseValidationError)
    def invalid_response(exc: ResponseValidationError) -> Response[Any]:
        # our bug, not the caller's: log it and answer 500
        logger.error("response does not match its model", extra={"errors": _validation_details(exc.errors())})
        return error_response(500, DocketError.code, DocketError.default_message)

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_media(exc: RequestUnsupportedContentType) -> Response[Any]:
        renderer = protocol_renderer()
        if renderer is not None:
            return renderer(_validation_details(exc.errors()))
        return error_response(415, UnsupportedMediaType.code, UnsupportedMediaType.default_message)

    @app.exception_handler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response[Any]:
        allowed = _allowed_methods(app)
        if allowed:
            return error_response(
                405,
                MethodNotAllowed.code,
                MethodNotAllowed.default_message,
                {"allowed": allowed},
                {"Allow": ", ".join(allowed)},
            )
        return error_response(404, NotFound.code, "No route for this path")

    @app.exception_handler(ServiceError)
    def service_error(exc: ServiceError) -> Response[Any]:
        known = {e.status: e.code for e in DocketError.__subclasses__()}
        headers = _challenge(app, group, exc.status_code, str(exc.msg))
        return error_response(
            exc.status_code, known.get(exc.status_code, "ERROR"), str(exc.msg), None, headers
        )

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[Any]:
        # The one catch-all: log with the stack, answer the envelope, never leak internals.
        logger.exception("unhandled error")
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        return error_response(500, DocketError.code, DocketError.default_message)


def _allowed_methods(app: APIGatewayRestResolver) -> list[str]:
    """What the path's resource answers (for `Allow`): its routes, HEAD with GET, and OPTIONS
    (preflights); empty when no route has this path."""
    path = app._remove_prefix(app.current_event.path)
    methods = {route.method for route in app._static_routes + app._dynamic_routes if route.rule.match(path)}
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


#: The realm of Docket's bearer challenges (RFC 6750 §3).
REALM = "docket"


def _challenge(app: APIGatewayRestResolver, group: str, status: int, message: str) -> dict[str, str]:
    """`WWW-Authenticate` for a 401 (RFC 9110 §11.6.1 requires one): `Bearer`, and
    `error="invalid_token"` (RFC 6750 §3.1) when a protected route was called with a bearer token
    that authenticated no one. Public routes never read the token, so they claim nothing about it."""
    if status != HTTPStatus.UNAUTHORIZED:
        return {}
    challenge = f'Bearer realm="{REALM}"'
    authorization = browser.header(app.current_event.headers, "authorization") or ""
    scheme, _, token = authorization.partition(" ")
    principal = request_state.current().principal
    route = app.context.get("_route")
    if (
        scheme.lower() == "bearer"
        and token.strip()
        and (principal is None or principal.is_anonymous)
        and route is not None
        and Route(app.current_event.http_method, route.path) not in group_of(group).public
    ):
        # error_description is printable ASCII without `"` or `\` (RFC 6750 §3)
        description = "".join(c for c in message if " " <= c <= "~" and c not in '"\\')
        challenge += f', error="invalid_token", error_description="{description}"'
    return {"WWW-Authenticate": challenge}


# ---------------------------------------------------------------------------------------------
# the Lambda handler


def _cors_headers(event: dict[str, Any]) -> dict[str, str]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    allowed = get_settings().cors_origins
    if "*" in allowed:
        value = "*"
    elif origin and origin in allowed:
        value = origin
    else:
        return {}
    cors = {"Access-Control-Allow-Origin": value, "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS}
    if value != "*":
        cors["Vary"] = "Origin"
        # a listed origin's pages may send the session cookies (browsers never do so for `*`)
        cors["Access-Control-Allow-Credentials"] = "true"
    return cors


def _preflight(event: dict[str, Any]) -> dict[str, Any]:
    headers = {
        **_cors_headers(event),
        "Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    return {"statusCode": HTTPStatus.NO_CONTENT, "headers": headers, "body": ""}


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _oversized(event: dict[str, Any]) -> PayloadTooLarge | None:
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    limit = MAX_JSON_BODY if "json" in str(headers.get("content-type", "json")) else MAX_OTHER_BODY
    return PayloadTooLarge(f"Request body exceeds {limit} bytes") if size > limit else None


def _as_proxy_response(response: Response[Any]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": "application/json", **response.headers},
        "body": _compact_json(response.body),
        "isBase64Encoded": False,
    }


def _accept_snake_case_query(event: dict[str, Any]) -> None:
    """Routes name query parameters in camelCase (as the seeds do); `sort_by` reaches them as `sortBy`."""
    for key in ("queryStringParameters", "multiValueQueryStringParameters"):
        params = event.get(key)
        if not params:
            continue
        for name in [n for n in params if "_" in n.strip("_")]:
            params.setdefault(to_camel(name), params[name])


def _as_get(event: dict[str, Any]) -> dict[str, Any]:
    """A HEAD request as the GET it mirrors: every GET route answers HEAD without declaring it."""
    context = {**(event.get("requestContext") or {}), "httpMethod": "GET"}
    return {**event, "httpMethod": "GET", "requestContext": context}


def make_handler(app: APIGatewayRestResolver) -> LambdaHandler:
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True, raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        state = request_state.begin(event)
        if state.principal:
            logger.append_keys(tenant_id=state.principal.org_id, user_id=state.principal.user_id)
        if event.get("httpMethod") == "OPTIONS" and not event.get("requestContext", {}).get("authorizer"):
            return _preflight(event)
        _accept_snake_case_query(event)
        head = event.get("httpMethod") == "HEAD"
        if head:
            event = _as_get(event)
        too_large = _oversized(event)
        if too_large is not None:
            response = _as_proxy_response(error_response(too_large.status, too_large.code, too_large.message))
        else:
            response = app.resolve(event, context)
        if head:
            # HEAD answers as GET would, headers and all, without the body (RFC 9110 §9.3.2)
            response["body"] = ""
            response["isBase64Encoded"] = False
        headers = response.setdefault("headers", {}) or {}
        response["headers"] = headers
        headers["X-Request-Id"] = state.request_id
        if state.rate is not None:
            headers.update(state.rate.headers())
        headers.update(_cors_headers(event))
        headers.update(state.extra_headers)
        return response

    wrapped: LambdaHandler = handler
    return wrapped


__all__ = ["build_app", "error_response", "make_handler"]
