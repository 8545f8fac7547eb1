"""`Idempotency-Key` on POST: a retry returns the first result; the same key with another body is a 409.

"The same body" is the same JSON value: a retry that spells it with other spacing or key order is
a replay, not a conflict (`body_digest`).

Built on Powertools idempotency, stored in the single table. Keys are scoped to the caller and
the route, and each record gets its own partition (`IDEMPOTENCY#<hash>`), so no tenant's retries
share a partition with another's.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from docket.api import bodies
from docket.api import request as request_state
from docket.data.schema import PRIMARY, TTL_ATTRIBUTE
from docket.errors import Conflict, ValidationFailed
from docket.settings import get_settings

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"

# Powertools' idempotency utility (jmespath, its persistence layers) is imported on first use: only a
# POST carrying a key, and the queue consumers, need it — not a cold start's first GET.


@cache
def _store_class() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    class TenantSpreadStore(DynamoDBPersistenceLayer):
        """Powertools' DynamoDB store, with one partition per record instead of one static partition."""

        def _get_key(self, idempotency_key: str) -> dict[str, Any]:
            return {
                self.key_attr: {"S": f"IDEMPOTENCY#{idempotency_key}"},
                str(self.sort_key_attr): {"S": "IDEMPOTENCY"},
            }

    return TenantSpreadStore


def tenant_spread_store(table_name: str) -> Any:
    """A Powertools DynamoDB persistence layer on the single table, one partition per record."""
    return _store_class()(
        table_name=table_name,
        key_attr=PRIMARY.partition,
        sort_key_attr=PRIMARY.sort,
        expiry_attr=TTL_ATTRIBUTE,
    )


@cache
def _runner() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    settings = get_settings()
    store = tenant_spread_store(settings.table_name)
    config = IdempotencyConfig(
        event_key_jmespath="[scope, route, key]",
        # Responses are replayed verbatim; the in-progress lock outlives any Lambda timeout.
        payload_validation_jmespath="bodyHash",
        expires_after_seconds=settings.idempotency_ttl_s,
        use_local_cache=False,
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)
    def run(*, request: dict[str, Any], call: Any) -> dict[str, Any]:
        response: Response[Any] = call()
        return {"status": response.status_code, "headers": dict(response.headers), "body": response.body}

    run.__wrapped_config__ = config
    return run


def middleware(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
    event = app.current_event
    key = _header(event, HEADER)
    if event.http_method != "POST" or not key:
        return next_middleware(app)
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "Idempotency-Key is too long",
            details=[{"field": "Idempotency-Key", "message": "at most 255 chars"}],
        )
    principal = request_state.current().principal
    scope = (
        f"{principal.org_id}:{principal.user_id}"
        if principal
        else f"ip:{event.request_context.identity.source_ip}"
    )
    request = {
        "scope": scope,
        "route": f"{event.http_method} {app.context['_route'].rule.pattern}",
        "key": key,
        "bodyHash": body_digest(event),
    }
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    first_call = {"done": False}

    def call() -> Response[Any]:
        first_call["done"] = True
        return next_middleware(app)

    if app.lambda_context is not None and hasattr(app.lambda_context, "get_remaining_time_in_millis"):
        _runner().__wrapped_config__.register_lambda_context(app.lambda_context)
    try:
        stored = _runner()(request=request, call=call)
    except IdempotencyValidationError as exc:
        raise Conflict("Idempotency-Key was already used with a different request body") from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("A request with this Idempotency-Key is still in progress") from exc
    headers = {k: v for k, v in stored["headers"].items() if isinstance(v, str)}
    if not first_call["done"]:
        headers[REPLAY_HEADER] = "true"
    return Response(
        status_code=stored["status"], body=stored["body"], headers=headers, content_type="application/json"
    )


def body_digest(event: Any) -> str:
    """What makes two retries "the same request body": the same JSON value (keys in any order,
    any insignificant whitespace), or, for a body that is not JSON, the same bytes."""
    try:
        text = event.decoded_body or ""
    except ValueError:  # base64 that is not UTF-8 text: compare the bytes as sent
        text = str(event.body or "")
    try:
        spelled = "json:" + bodies.canonical(bodies.parse(text))
    except bodies.InvalidJson:
        spelled = "raw:" + text
    return hashlib.sha256(spelled.encode("utf-8", "surrogatepass")).hexdigest()


def _header(event: Any, name: str) -> str | None:
    for key, value in (event.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None
