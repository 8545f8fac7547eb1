"""Ethical walls (placeholder: the cases helper's implementation replaces this file)."""

from __future__ import annotations

from dataclasses import dataclass

from docket.errors import NotFound
from docket.security.principal import Principal


@dataclass(frozen=True)
class Wall:
    hidden: frozenset[str] = frozenset()

    def hides(self, case_id: str | None) -> bool:
        return case_id is not None and case_id in self.hidden

    def check(self, case_id: str | None, *, what: str) -> None:
        if self.hides(case_id):
            raise NotFound(f"{what} not found")


def wall_for(principal: Principal) -> Wall:
    return Wall()
