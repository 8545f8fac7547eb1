"""WebSocket API: `$connect` remembers the connection, `$disconnect` forgets it, `$default` dispatches."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from docket import realtime
from docket.events import push
from docket.observability import logger, traced
from docket.security.principal import Principal


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    route = request.get("routeKey")
    connection_id = str(request.get("connectionId"))
    principal = Principal.from_context(request.get("authorizer"))
    if principal is None:
        # every connection passed the authorizer on $connect (its token is a required identity
        # source): an event without its principal is not one of ours
        logger.warning("no principal on a WebSocket event", extra={"route": route})
        return {"statusCode": 401}
    logger.append_keys(connection_id=connection_id, route=route, tenant_id=principal.org_id)

    if route == "$connect":
        push.remember(connection_id, principal.org_id, principal.user_id, principal.roles)
        return {"statusCode": 200}
    if route == "$disconnect":
        push.forget(connection_id, principal.org_id)
        return {"statusCode": 200}

    reply = realtime.dispatch(principal, event.get("body"), connection_id)
    response: dict[str, Any] = {"statusCode": 200}
    if reply is not None:
        response["body"] = json.dumps(reply)
    return response
