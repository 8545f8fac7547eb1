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

Action = Callable[[Principal, dict[str, Any]], dict[str, Any] | None]


def _ping(principal: Principal, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "pong", "timestamp": clock.iso()}


ACTIONS: dict[str, Action] = {
    "ping": _ping,
}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


def dispatch(principal: Principal, frame: str | None) -> dict[str, Any] | None:
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
    return action(principal, message)


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
        team = walls.pushed_to(event.entity_type, event.data)
        if team is not None:
            connections = [c for c in connections if c.user_id in team]
        return broadcast(connections, push_message(event))
    user_id = event.data.get(to_camel(recipient))
    if not isinstance(user_id, str):
        return 0
    return broadcast(connections_of_user(event.org_id, user_id), push_message(event))
