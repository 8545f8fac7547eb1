"""Roles: the six system roles and a firm's custom roles, what they grant, and who may assign them.

A role has an id (`role_…`; the system roles' are `role_owner`, `role_admin`, …), a name, a slug, a
description, its grants (catalogue names and wildcards, stored as `permissions.parse` reads them),
`system`, and a number in its organization (seed 001's `"role_id": 2`): the system roles are 1-6
in a fixed order (owner, admin, attorney, paralegal, staff, client) and custom roles are numbered
from 7 by the tenant counter `ROLE`, never reused. A reference to a role on input may be its id,
its slug, a system role's name or its number (`find`).

A membership names its roles by `Role.ref`: a system role by its name (`owner`), a custom role by
its id. What a membership grants (`grants_of`) is the system roles' grants from code
(`docket.identity.roles`) and the custom roles' from their items, read in one `BatchGetItem`.

Members per role are counted in the membership's own transaction (`count_holders`), on items
`ORG#<org>#ROLEHOLDERS` / `<ref>`: `holders` reads them all in one Query, and a role's delete puts
a condition on its count, so a role in use cannot be deleted even by a racing assignment.

Access patterns (docs/access-patterns.md, R1-R5):
- custom role by id:       pk = ORG#<org>#ROLE#<id>, sk = META
- custom roles by number:  gsi1 pk = ORG#<org>#ROLES, sk = N#<number:06d>
- slug of a custom role:   pk = ORG#<org>#ROLESLUG#<slug>, sk = SLUG (uniqueness; → the role id)
- members per role:        pk = ORG#<org>#ROLEHOLDERS, sk = <ref>
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from docket.data.models import TableItem, TenantItem, org_key
from docket.data.transactions import Transaction
from docket.errors import Forbidden, NotFound
from docket.identity import roles as system
from docket.ids import is_id
from docket.security import permissions
from docket.security.principal import Principal

ID_PREFIX = "role"
#: the counter series that numbers custom roles (after the system roles' 1-6)
NUMBER_SERIES = "ROLE"
SLUG_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
SLUG_MAX = 48
_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class _SystemRole:
    slug: str
    name: str
    description: str


#: In the order that numbers them 1-6.
SYSTEM_ROLES: tuple[_SystemRole, ...] = (
    _SystemRole(system.OWNER, "Owner", "Runs the firm: every firm permission, client money included"),
    _SystemRole(
        system.ADMIN, "Administrator", "Runs the office: members, roles, settings, everything but trust money"
    ),
    _SystemRole(
        system.ATTORNEY, "Attorney", "Runs matters end to end: cases, documents, billing, trust entries"
    ),
    _SystemRole(
        system.PARALEGAL,
        "Paralegal",
        "Prepares matters: cases, documents, tasks, time; no deletes, no invoicing",
    ),
    _SystemRole(system.STAFF, "Staff", "Keeps the office: calendar, tasks, documents, intake"),
    _SystemRole(system.CLIENT, "Client", "A client of the firm: the portal only"),
)
FIRST_CUSTOM_NUMBER = len(SYSTEM_ROLES) + 1


@dataclass(frozen=True)
class Role:
    """A role as every service sees it, system or custom."""

    id: str
    number: int
    name: str
    slug: str
    description: str
    permissions: tuple[str, ...]
    system: bool
    version: int = 1
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def ref(self) -> str:
        """How a membership names this role: a system role's name, a custom role's id."""
        return self.slug if self.system else self.id


def _system_role(number: int, definition: _SystemRole) -> Role:
    return Role(
        id=f"{ID_PREFIX}_{definition.slug}",
        number=number,
        name=definition.name,
        slug=definition.slug,
        description=definition.description,
        permissions=system.SYSTEM_ROLES[definition.slug],
        system=True,
    )


_SYSTEM: tuple[Role, ...] = tuple(_system_role(n, d) for n, d in enumerate(SYSTEM_ROLES, start=1))
_SYSTEM_BY_REFERENCE: dict[str, Role] = {
    **{r.slug: r for r in _SYSTEM},
    **{r.id: r for r in _SYSTEM},
    **{str(r.number): r for r in _SYSTEM},
}
#: Slugs a custom role may not take: the system roles' own.
RESERVED_SLUGS: frozenset[str] = frozenset(r.slug for r in _SYSTEM)


def system_roles() -> tuple[Role, ...]:
    return _SYSTEM


class CustomRole(TenantItem, discriminator="role"):
    ID_PREFIX = ID_PREFIX

    number = NumberAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    permissions = ListAttribute(of=UnicodeAttribute, default=list)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": custom_role_key(self.org_id, self.id)[0],
            "sk": custom_role_key(self.org_id, self.id)[1],
            "gsi1pk": roles_partition(self.org_id),
            "gsi1sk": number_key(int(self.number)),
        }

    def as_role(self) -> Role:
        return Role(
            id=self.id,
            number=int(self.number),
            name=self.name,
            slug=self.slug,
            description=self.description or "",
            permissions=tuple(str(p) for p in self.permissions or ()),
            system=False,
            version=int(self.version or 0),
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


class RoleSlug(TableItem, discriminator="role_slug"):
    """A custom role's slug, claimed by a conditional put: unique in its organization."""

    org_id = UnicodeAttribute()
    role_id = UnicodeAttribute()


class RoleHolders(TableItem, discriminator="role_holders"):
    """How many memberships of the organization name the role (`ref`)."""

    org_id = UnicodeAttribute()
    ref = UnicodeAttribute()
    members = NumberAttribute(default=0)


def custom_role_key(org_id: str, role_id: str) -> tuple[str, str]:
    return f"{org_key(org_id)}#ROLE#{role_id}", "META"


def roles_partition(org_id: str) -> str:
    return f"{org_key(org_id)}#ROLES"


def number_key(number: int) -> str:
    return f"N#{number:06d}"


def slug_key(org_id: str, slug: str) -> tuple[str, str]:
    return f"{org_key(org_id)}#ROLESLUG#{slug}", "SLUG"


def holders_partition(org_id: str) -> str:
    return f"{org_key(org_id)}#ROLEHOLDERS"


def is_custom_ref(ref: str) -> bool:
    return is_id(ref, ID_PREFIX)


def _not_found() -> NotFound:
    return NotFound("Role not found")


def get_custom(org_id: str, role_id: str, *, consistent: bool = False) -> CustomRole:
    """The organization's custom role of that id (another tenant's id is the same 404)."""
    if not is_custom_ref(role_id):
        raise _not_found()
    try:
        return CustomRole.get(*custom_role_key(org_id, role_id), consistent_read=consistent)
    except CustomRole.DoesNotExist:
        raise _not_found() from None


def custom_by_number(org_id: str, number: int) -> CustomRole:
    found = CustomRole.gsi1.query(roles_partition(org_id), CustomRole.gsi1sk == number_key(number), limit=1)
    for item in found:
        if isinstance(item, CustomRole):
            return item
    raise _not_found()


def custom_by_slug(org_id: str, slug: str) -> CustomRole:
    try:
        claim = RoleSlug.get(*slug_key(org_id, slug))
    except RoleSlug.DoesNotExist:
        raise _not_found() from None
    return get_custom(org_id, claim.role_id)


def find(org_id: str, reference: str | int) -> Role:
    """The role a reference names in the organization: its id (`role_…`), its slug, a system role's
    name or a number (`2`, `"7"`). Anything else, or another tenant's role, is NotFound."""
    text = str(reference).strip()
    if text in _SYSTEM_BY_REFERENCE:
        return _SYSTEM_BY_REFERENCE[text]
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return custom_by_number(org_id, int(text)).as_role()
    if is_custom_ref(text):
        return get_custom(org_id, text).as_role()
    if len(text) <= SLUG_MAX and _SLUG.match(text):
        return custom_by_slug(org_id, text).as_role()
    raise _not_found()


def roles_of(org_id: str, refs: Iterable[str]) -> tuple[Role, ...]:
    """The roles a membership names (its `roles` refs), in its order: system roles from code,
    custom roles from their items (one consistent BatchGetItem); a custom role that no longer
    exists is left out."""
    refs = tuple(dict.fromkeys(refs))
    custom = [ref for ref in refs if is_custom_ref(ref)]
    stored: dict[str, Role] = {}
    if custom:
        keys = [custom_role_key(org_id, ref) for ref in custom]
        for item in CustomRole.batch_get(keys, consistent_read=True):
            if isinstance(item, CustomRole) and item.org_id == org_id:
                stored[item.id] = item.as_role()
    found = (stored.get(ref) if is_custom_ref(ref) else _SYSTEM_BY_REFERENCE.get(ref) for ref in refs)
    return tuple(role for role in found if role is not None)


def grants_of(org_id: str, refs: Iterable[str]) -> tuple[str, ...]:
    """What a membership naming `refs` grants now (`roles_of`), each grant once."""
    granted: list[str] = []
    for role in roles_of(org_id, refs):
        granted.extend(grant for grant in role.permissions if grant not in granted)
    return tuple(granted)


def beyond(principal: Principal, grants: Iterable[str]) -> list[str]:
    """The grants the principal may not hand out (`permissions.may_grant`)."""
    return [grant for grant in grants if not permissions.may_grant(principal.permissions, grant)]


def assignable(principal: Principal, reference: str | int) -> Role:
    """The role `reference` names, if the principal may give it to (or take it from) a member:
    they hold `users:write` and every permission the role grants. NotFound for an unknown role;
    Forbidden otherwise (nobody grants what they do not hold)."""
    principal.require(permissions.USERS_WRITE)
    role = find(principal.org_id, reference)
    refused = beyond(principal, role.permissions)
    if refused:
        raise Forbidden(
            f"You cannot assign the role {role.slug!r}: it grants permissions you do not hold",
            details={"role": role.slug, "permissions": refused},
        )
    return role


def count_holders(
    tx: Transaction, org_id: str, *, added: Iterable[str] = (), removed: Iterable[str] = ()
) -> None:
    """In the membership's transaction: the roles (refs) a membership gains and loses. Each custom
    role gained must still exist when the transaction commits (a role deleted meanwhile fails it:
    409), and its count goes up, so a role in use can never be deleted."""
    change: Counter[str] = Counter()
    change.update(added)
    change.subtract(removed)
    for ref, delta in sorted(change.items()):
        if delta == 0:
            continue
        holders = RoleHolders(*_holders_key(org_id, ref), org_id=org_id, ref=ref)
        tx.update(
            holders,
            actions=[
                RoleHolders.members.add(delta),
                # the first count writes the item: it needs its type and attributes too
                RoleHolders.type.set(RoleHolders),
                RoleHolders.org_id.set(org_id),
                RoleHolders.ref.set(ref),
            ],
        )
        if delta > 0 and is_custom_ref(ref):
            tx.check(CustomRole(*custom_role_key(org_id, ref), org_id=org_id), CustomRole.pk.exists())


def _holders_key(org_id: str, ref: str) -> tuple[str, str]:
    return holders_partition(org_id), ref


def holders(org_id: str) -> dict[str, int]:
    """Members per role ref (one Query over a partition with one item per role ever held)."""
    counted: dict[str, int] = {}
    for item in RoleHolders.query(holders_partition(org_id), consistent_read=True):
        if isinstance(item, RoleHolders):
            counted[item.ref] = max(0, int(item.members or 0))
    return counted


def holders_item(org_id: str, ref: str) -> RoleHolders:
    """The (possibly unwritten) count item of one role, for a condition on it."""
    return RoleHolders(*_holders_key(org_id, ref), org_id=org_id, ref=ref)
