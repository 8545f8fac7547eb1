"""Case rooms (seed 000's `case:join` / `case:leave` / `collaboration:typing`): who is looking at a case
right now, to tell the others in the room that someone is typing.

A seat is a WebSocket connection's entry in the case's room (`ORG#<org>#CASEROOM#<caseId>` /
`CONN#<connectionId>`, the connection's own shape and two-hour TTL), taken by `join` only when the
caller may read the case — a walled case the caller cannot see is refused as not found, like every
other read (docket.cases.walls). A connection that closes without leaving keeps its seat until the
TTL; pushes skip expired seats, and a seat whose connection is gone is forgotten at the first push.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from docket import clock
from docket.data.models import org_key
from docket.events.push import CONNECTION_TTL_S, WsConnection, broadcast, live
from docket.security.principal import Principal


def _room(org_id: str, case_id: str) -> str:
    return f"{org_key(org_id)}#CASEROOM#{case_id}"


def _seat(org_id: str, case_id: str, connection_id: str, user_id: str = "") -> WsConnection:
    return WsConnection(
        pk=_room(org_id, case_id),
        sk=f"CONN#{connection_id}",
        connection_id=connection_id,
        org_id=org_id,
        user_id=user_id,
        connected_at=clock.iso(),
        ttl=timedelta(seconds=CONNECTION_TTL_S),
    )


def join(principal: Principal, connection_id: str, case_id: str) -> None:
    """Take a seat in the case's room: the case must be one the caller may read (a 404 otherwise)."""
    from docket.cases import service

    service.get(principal, case_id)
    _seat(principal.org_id, case_id, connection_id, principal.user_id).save()


def leave(principal: Principal, connection_id: str, case_id: str) -> None:
    _seat(principal.org_id, case_id, connection_id).delete()


def seated(principal: Principal, connection_id: str, case_id: str) -> bool:
    seat = _seat(principal.org_id, case_id, connection_id)
    try:
        found = WsConnection.get(seat.pk, seat.sk)
    except WsConnection.DoesNotExist:
        return False
    return bool(live([found]))


def tell_others(principal: Principal, connection_id: str, case_id: str, message: dict[str, Any]) -> int:
    """Push `message` to every other seat of the room (the sender's own connection excluded)."""
    seats = WsConnection.query(_room(principal.org_id, case_id), WsConnection.sk.startswith("CONN#"))
    others = [
        s for s in live(s for s in seats if isinstance(s, WsConnection)) if s.connection_id != connection_id
    ]
    return broadcast(others, message)
