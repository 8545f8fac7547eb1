"""Realtime: what WebSocket clients may send (`action` → function) and what they receive.

Client → server frames are JSON objects with an `action`; the table below is the whole protocol.
Server → client pushes carry the catalog name (`type`), seed 000's socket spelling (`event`), the
event id and the entity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic.alias_generators import to_camel

from docket import clock
from docket.api import bodies
from docket.cases import walls
from docket.events.catalog import DomainEvent, named
from docket.events.push import broadcast, connections_of_org, connections_of_user
from docket.security.principal import Principal

#: (caller, the caller's connection id, the frame) → the reply frame, if any
Action = Callable[[Principal, str, dict[str, Any]], dict[str, Any] | None]


def _ping(principal: Principal, connection_id: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "pong", "timestamp": clock.iso()}


def _case_of(message: dict[str, Any]) -> str | None:
    case_id = message.get("caseId")
    return case_id if isinstance(case_id, str) and 3 <= len(case_id) <= 64 else None


def _join_case(principal: Principal, connection_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """Seed 000's `case:join {caseId}`: a seat in the case's room, for a case the caller may read
    (a walled case the caller cannot see is refused as not found, like every read of it)."""
    from docket.cases import rooms
    from docket.errors import DocketError

    case_id = _case_of(message)
    if case_id is None:
        return _error("VALIDATION_ERROR", "`case:join` needs a `caseId`")
    try:
        rooms.join(principal, connection_id, case_id)
    except DocketError as exc:
        return _error(exc.code, exc.message)
    return {"type": "case:joined", "caseId": case_id, "timestamp": clock.iso()}


def _leave_case(principal: Principal, connection_id: str, message: dict[str, Any]) -> dict[str, Any]:
    from docket.cases import rooms

    case_id = _case_of(message)
    if case_id is None:
        return _error("VALIDATION_ERROR", "`case:leave` needs a `caseId`")
    rooms.leave(principal, connection_id, case_id)
    return {"type": "case:left", "caseId": case_id, "timestamp": clock.iso()}


def _typing(principal: Principal, connection_id: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """Seed 000's `collaboration:typing {caseId, isTyping}` → `collaboration:user_typing {userId,
    caseId, timestamp}` to the others in the room (only from a connection seated in it)."""
    from docket.cases import rooms

    case_id = _case_of(message)
    if case_id is None:
        return _error("VALIDATION_ERROR", "`collaboration:typing` needs a `caseId`")
    if not rooms.seated(principal, connection_id, case_id):
        return _error("RESOURCE_NOT_FOUND", "Join the case first (`case:join`)")
    typing = message.get("isTyping", True)
    notice = {
        "type": "collaboration:user_typing",
        "event": "collaboration:user_typing",
        "userId": principal.user_id,
        "caseId": case_id,
        "isTyping": typing if isinstance(typing, bool) else True,
        "timestamp": clock.iso(),
    }
    rooms.tell_others(principal, connection_id, case_id, notice)
    return None


ACTIONS: dict[str, Action] = {
    "ping": _ping,
    "case:join": _join_case,
    "case:leave": _leave_case,
    "collaboration:typing": _typing,
}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


def dispatch(principal: Principal, frame: str | None, connection_id: str = "") -> dict[str, Any] | None:
    """Handle one client frame; the return value (if any) is the reply frame."""
    try:
        message = bodies.parse(frame or "")
    except bodies.InvalidJson as exc:
        return _error("VALIDATION_ERROR", f"Frames must be JSON objects with an `action` ({exc.message})")
    if not isinstance(message, dict) or not isinstance(message.get("action"), str):
        return _error("VALIDATION_ERROR", "Frames must be JSON objects with an `action`")
    action = ACTIONS.get(message["action"])
    if action is None:
        return _error("VALIDATION_ERROR", f"Unknown action {message['action']!r}; known: {sorted(ACTIONS)}")
    return action(principal, connection_id, message)


def push_message(event: DomainEvent) -> dict[str, Any]:
    declared = named(event.name)
    message: dict[str, Any] = {
        "type": event.name,
        "event": declared.socket_name,
        "eventId": event.event_id,
        "entityType": event.entity_type,
        "entityId": event.entity_id,
        "actorId": event.actor_id,
        "timestamp": event.occurred_at,
        "changes": event.changes,
        "data": event.data,
    }
    if declared.aliases:
        message["aliases"] = list(declared.aliases)
    if declared.subject:
        # seed 000's shape of the same push: `{caseId, updates, updatedBy, timestamp}`
        message[declared.subject] = event.entity_id
        message["updates"] = {name: event.data.get(name) for name in event.changes}
        message["updatedBy"] = event.actor_id
    return message


def fan_out(event: DomainEvent) -> int:
    """Push an event to everyone connected in its tenant, or, for an event with a recipient (an
    export is its user's business alone), to that user's connections there."""
    recipient = named(event.name).recipient
    if recipient is None:
        connections = connections_of_org(event.org_id)
        team = walls.pushed_to(event.org_id, event.entity_type, event.data)
        if team is not None:
            connections = [
                c for c in connections if walls.receives(c.user_id, c.roles or (), restricted=True, team=team)
            ]
        return broadcast(connections, push_message(event))
    user_id = event.data.get(to_camel(recipient))
    if not isinstance(user_id, str):
        return 0
    return broadcast(connections_of_user(event.org_id, user_id), push_message(event))
