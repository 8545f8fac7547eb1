"""Request and response models of `/roles…` (seed 001)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from docket.access.roles import SLUG_MAX, SLUG_PATTERN, Role
from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination

#: a catalogue name (`cases:read`), seed 001's spelling (`users.view`), or a wildcard (`cases:*`, `*`);
#: whether the catalogue knows it is the service's answer (400 naming the unknown ones)
GRANT_PATTERN = r"^(\*|[a-z][a-z_-]{0,40}[:.](\*|[a-z][a-z_-]{0,40}))$"
MAX_GRANTS = 200
Grant = Annotated[str, Field(pattern=GRANT_PATTERN, max_length=83)]


class RoleIn(InputModel):
    """Seed 001's body. `slug` defaults to one made from the name; `permissions` are catalogue names
    (`users:read`) or seed 001's spelling (`users.view`), or wildcards (`cases:*`)."""

    name: str = Field(min_length=1, max_length=100, examples=["Manager"])
    slug: Omittable[str] = Field(
        default=None, pattern=SLUG_PATTERN, max_length=SLUG_MAX, examples=["manager"]
    )
    description: Omittable[str] = Field(default=None, max_length=500, examples=["Manager role"])
    permissions: list[Grant] = Field(max_length=MAX_GRANTS, examples=[["users.view", "users.edit"]])


class RoleUpdate(InputModel):
    """The fields to change; those left out keep their value, `description: null` removes it.
    `permissions` replaces the role's grants."""

    name: Omittable[str] = Field(default=None, min_length=1, max_length=100, examples=["Senior Manager"])
    slug: Omittable[str] = Field(
        default=None, pattern=SLUG_PATTERN, max_length=SLUG_MAX, examples=["senior-manager"]
    )
    description: Nullable[str] = Field(default=None, max_length=500, examples=["Runs the office"])
    permissions: Omittable[list[Grant]] = Field(
        default=None,
        max_length=MAX_GRANTS,
        examples=[["users.view", "users.edit", "roles.view"]],
    )


class RoleOut(ApiModel):
    id: str
    #: the role's number in the firm (system roles 1-6, custom roles from 7): seed 001's `role_id`
    number: int
    name: str
    slug: str
    description: str
    #: the grants as stored: catalogue names and wildcards
    permissions: list[str]
    system: bool
    version: int
    created_at: str | None
    updated_at: str | None
    #: members holding the role (on lists, with `includeMemberCounts=true`; always on a single role)
    member_count: int | None = None


class RoleList(ApiModel):
    roles: list[RoleOut]
    pagination: Pagination


class PermissionOut(ApiModel):
    name: str
    resource: str
    action: str
    description: str


class PermissionCatalogue(ApiModel):
    permissions: list[PermissionOut]


class RoleUsage(ApiModel):
    role_id: str
    number: int
    slug: str
    name: str
    system: bool
    member_count: int


class RoleUsageCounts(ApiModel):
    usage_counts: list[RoleUsage]
    #: members per role id, for clients that look a role up
    by_role_id: dict[str, int]


def present(role: Role, *, member_count: int | None = None) -> RoleOut:
    return RoleOut(
        id=role.id,
        number=role.number,
        name=role.name,
        slug=role.slug,
        description=role.description,
        permissions=list(role.permissions),
        system=role.system,
        version=role.version,
        created_at=role.created_at,
        updated_at=role.updated_at,
        member_count=member_count,
    )
