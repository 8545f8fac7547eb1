"""Seed 002's plan roles and what each is given a month, declared once.

A user's plan role is platform-wide (one research account per person, whichever firms they belong
to): `free` for every new account; `pay` and `vip` set by a platform administrator
(`PUT /admin/users/{id}/role`); `admin` is the platform administrators' own, given only by
`make admin`, never through the API.
"""

from __future__ import annotations

from enum import StrEnum


class Plan(StrEnum):
    FREE = "free"
    PAY = "pay"
    VIP = "vip"
    ADMIN = "admin"


#: Tokens a month, by plan (seed 002's free user has 1,000).
ALLOWANCES: dict[Plan, int] = {
    Plan.FREE: 1_000,
    Plan.PAY: 20_000,
    Plan.VIP: 100_000,
    Plan.ADMIN: 100_000,
}

#: The plans an administrator may give through the API; `admin` comes from `make admin` alone.
ASSIGNABLE: tuple[Plan, ...] = (Plan.FREE, Plan.PAY, Plan.VIP)
DEFAULT = Plan.FREE


def allowance(plan: str) -> int:
    return ALLOWANCES[Plan(plan)]
