"""WebSocket push: connections live in the table; any function can push to them.

A connection is stored under its tenant (`ORG#<org>#CONN`), with the user it belongs to. Pushing
to a connection that API Gateway reports gone (`GoneException`, 410) deletes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import ListAttribute, UnicodeAttribute

from docket import clock
from docket.aws import client
from docket.data.models import TableItem, org_key
from docket.observability import logger
from docket.settings import get_settings

#: API Gateway closes WebSocket connections after two hours.
CONNECTION_TTL_S = 2 * 3600


class WsConnection(TableItem, discriminator="wsconn"):
    connection_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    #: the user's system roles when it connected (an ethical wall lets the firm's owners see all)
    roles = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]


def _partition(org_id: str) -> str:
    return f"{org_key(org_id)}#CONN"


def remember(connection_id: str, org_id: str, user_id: str, roles: Iterable[str] = ()) -> WsConnection:
    connection = WsConnection(
        pk=_partition(org_id),
        sk=f"CONN#{connection_id}",
        gsi1pk=f"{org_key(org_id)}#CONNUSER#{user_id}",
        gsi1sk=f"CONN#{connection_id}",
        connection_id=connection_id,
        org_id=org_id,
        user_id=user_id,
        connected_at=clock.iso(),
        roles=list(roles) or None,
        ttl=timedelta(seconds=CONNECTION_TTL_S),
    )
    connection.save()
    return connection


def forget(connection_id: str, org_id: str) -> None:
    WsConnection(pk=_partition(org_id), sk=f"CONN#{connection_id}").delete()


def live(items: Iterable[WsConnection]) -> list[WsConnection]:
    """TTL deletion lags (and is not emulated locally): expired connections are skipped."""
    now = clock.epoch()
    return [c for c in items if c.ttl is None or c.ttl.timestamp() > now]


def connections_of_org(org_id: str) -> list[WsConnection]:
    found = WsConnection.query(_partition(org_id), WsConnection.sk.startswith("CONN#"))
    return live(c for c in found if isinstance(c, WsConnection))


def connections_of_user(org_id: str, user_id: str) -> list[WsConnection]:
    found = WsConnection.gsi1.query(f"{org_key(org_id)}#CONNUSER#{user_id}")
    return live(c for c in found if isinstance(c, WsConnection))


def send(connection: WsConnection, message: dict[str, Any]) -> bool:
    """Post `message` to one connection; False (and the connection forgotten) when it is gone."""
    management = client("apigatewaymanagementapi", get_settings().websocket_endpoint)
    try:
        data = json.dumps(message).encode()
        management.post_to_connection(ConnectionId=connection.connection_id, Data=data)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("GoneException", "410"):
            forget(connection.connection_id, connection.org_id)
            return False
        raise
    return True


def broadcast(connections: Iterable[WsConnection], message: dict[str, Any]) -> int:
    delivered = 0
    for connection in connections:
        try:
            delivered += send(connection, message)
        except ClientError:
            logger.exception("push failed", extra={"connection_id": connection.connection_id})
    return delivered
