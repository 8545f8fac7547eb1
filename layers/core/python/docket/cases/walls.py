"""Ethical walls: the one rule every read of case-linked data applies.

A *restricted* case is seen only by its team (responsible attorney, members, assignee) and the
firm's owners; to anyone else it does not exist — a 404 naming the resource asked for, never a 403,
so an outsider cannot tell a walled case from none.

Storage: one item per organization (`ORG#<org>` / `WALLS`) holding, as one top-level attribute per
walled case (named by the case id), the user ids of its team. It is written in the same
transaction as the case or team change that walls, re-staffs or unwalls the case (`record`), so it
is never behind the cases. A request learns what is walled off for its caller with one `GetItem`,
made lazily on the first question and never for an owner (who sees everything).

    wall = walls.wall_for(principal)
    wall.check(task.case_id, what="Task")        # NotFound("Task not found") when walled off
    visible = [t for t in tasks if not wall.hides(t.case_id)]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.expressions.operand import Path

from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction
from docket.errors import NotFound
from docket.identity import roles
from docket.security.principal import Principal

SORT_KEY = "WALLS"
#: attributes of the walls item that are not a walled case
_OWN = frozenset({"pk", "sk", "type", "org_id"})


class Walls(TableItem, discriminator="case_walls"):
    org_id = UnicodeAttribute()


def _item(org_id: str) -> Walls:
    return Walls(pk=org_key(org_id), sk=SORT_KEY, org_id=org_id)


def sees(principal: Principal, *, restricted: bool, team: Collection[str]) -> bool:
    """The rule: a case is visible unless it is restricted and the caller is neither on its team
    nor an owner of the firm."""
    return receives(principal.user_id, principal.roles, restricted=restricted, team=team)


def receives(user_id: str, held: Collection[str], *, restricted: bool, team: Collection[str]) -> bool:
    """The rule for someone known by id and system roles (a WebSocket connection's user)."""
    return not restricted or roles.OWNER in held or user_id in team


class Wall:
    """What is walled off for one caller, read once (one `GetItem`) when first asked."""

    def __init__(self, principal: Principal) -> None:
        self._principal = principal
        self._teams: dict[str, frozenset[str]] | None = None

    @property
    def is_owner(self) -> bool:
        return roles.OWNER in self._principal.roles

    def _walled(self) -> Mapping[str, frozenset[str]]:
        if self._teams is None:
            self._teams = {} if self.is_owner else read_walled(self._principal.org_id)
        return self._teams

    def hides(self, case_id: str | None) -> bool:
        """True when `case_id` names a restricted case the caller may not see (None: not
        case-linked, never hidden)."""
        if case_id is None or self.is_owner:
            return False
        team = self._walled().get(case_id)
        return team is not None and not sees(self._principal, restricted=True, team=team)

    def hides_any(self) -> bool:
        """Whether anything of the firm is walled off for the caller (a count would betray it)."""
        if self.is_owner:
            return False
        return any(self._principal.user_id not in team for team in self._walled().values())

    def check(self, case_id: str | None, *, what: str = "Case") -> None:
        """A 404 `<what> not found` when `case_id` is walled off for the caller."""
        if self.hides(case_id):
            raise NotFound(f"{what} not found")


def pushed_to(org_id: str, entity_type: str, data: Mapping[str, Any]) -> frozenset[str] | None:
    """The team a pushed event is limited to, whom `receives` judges each connection against: a
    walled case's own event (its published fields, camelCase), or the event of anything linked to a
    walled case (`caseId`: a task, a calendar event — the firm's walls item, one `GetItem`); None
    when no wall applies."""
    if entity_type == "case":
        if not data.get("restricted"):
            return None
        people = {data.get("responsibleAttorney"), data.get("assignedTo"), *(data.get("teamMembers") or ())}
        return frozenset(person for person in people if isinstance(person, str))
    case_id = data.get("caseId")
    if not isinstance(case_id, str):
        return None
    return read_walled(org_id).get(case_id)


def wall_for(principal: Principal) -> Wall:
    return Wall(principal)


def read_walled(org_id: str) -> dict[str, frozenset[str]]:
    """Every walled case of the organization with its team (one `GetItem`)."""
    found: dict[str, Any] = (
        Walls._get_connection().get_item(org_key(org_id), range_key=SORT_KEY).get("Item") or {}
    )
    teams: dict[str, frozenset[str]] = {}
    for name, value in found.items():
        if name in _OWN:
            continue
        teams[name] = frozenset(entry["S"] for entry in value.get("L", []) if "S" in entry)
    return teams


def record(tx: Transaction, org_id: str, case_id: str, team: Collection[str] | None) -> None:
    """In `tx`: the case is walled with `team` (a list of user ids), or not walled (None)."""
    item = _item(org_id)
    entry = ListAttribute(of=UnicodeAttribute, attr_name=case_id)
    actions: list[Any] = [Walls.type.set(Walls), Walls.org_id.set(org_id)]
    actions.append(Path(entry).set(sorted(team)) if team is not None else Path(entry).remove())
    tx.update(item, actions=actions)
