"""`/roles…` (seed 001): the firm's roles, the permission catalogue, members per role.

Rules: system roles are read-only (403); a role held by members cannot be deleted (409 naming how
many); nobody grants a permission they do not hold, on create and on update (403 naming them);
unknown permissions, and platform permissions, are a 400 naming them; slugs are unique per firm
(conditional put, 409). Every write is one transaction with its audit entry; single roles carry an
ETag and honour If-Match; a PUT that changes nothing keeps the version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from docket.access import roles
from docket.access.roles import CustomRole, Role, RoleHolders, RoleSlug
from docket.access.schemas import RoleIn, RoleUpdate
from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data import counters
from docket.data.changes import diff
from docket.data.models import TableItem
from docket.data.schema import GSI1, PRIMARY
from docket.data.transactions import transaction
from docket.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.ROLES_READ
WRITE = permissions.ROLES_WRITE


def catalogue(principal: Principal) -> tuple[permissions.Permission, ...]:
    """What a firm role may grant: the firm's part of the catalogue (platform permissions are held
    only by platform administrators, never through a role)."""
    principal.require(READ)
    return permissions.FIRM_PERMISSIONS


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    role: Role
    member_count: int


def get(principal: Principal, reference: str) -> Counted:
    """A role by its id or number (its slug too), with its member count: by id, one BatchGetItem."""
    principal.require(READ)
    org = principal.org_id
    if roles.is_custom_ref(reference):
        item, count = _with_count(org, reference)
        return Counted(item.as_role(), count)
    role = roles.find(org, reference)
    return Counted(role, member_count(org, role.ref))


def _with_count(org_id: str, role_id: str) -> tuple[CustomRole, int]:
    """A custom role and its member count, in one consistent BatchGetItem (NotFound if no role)."""
    wanted = [roles.custom_role_key(org_id, role_id), _holders_key(org_id, role_id)]
    found = {(i.pk, i.sk): i for i in TableItem.batch_get(wanted, consistent_read=True)}
    item = found.get(wanted[0])
    if not isinstance(item, CustomRole):
        raise NotFound("Role not found")
    return item, _members(found.get(wanted[1]))


def _holders_key(org_id: str, ref: str) -> tuple[str, str]:
    item = roles.holders_item(org_id, ref)
    return item.pk, item.sk


def _members(item: TableItem | None) -> int:
    return max(0, int(item.members or 0)) if isinstance(item, RoleHolders) else 0


def member_count(org_id: str, ref: str) -> int:
    try:
        return _members(RoleHolders.get(*_holders_key(org_id, ref), consistent_read=True))
    except RoleHolders.DoesNotExist:
        return 0


def _listed_key(org_id: str, role: Role) -> dict[str, Any]:
    """Where a page of the list ends: after a system role's number, or at a custom role's key."""
    if role.system:
        return {"system": role.number}
    pk, sk = roles.custom_role_key(org_id, role.id)
    keys = {
        PRIMARY.partition: pk,
        PRIMARY.sort: sk,
        GSI1.keys.partition: roles.roles_partition(org_id),
        GSI1.keys.sort: roles.number_key(role.number),
    }
    return {name: {"S": value} for name, value in keys.items()}  # as DynamoDB's ExclusiveStartKey


def list_roles(principal: Principal, page: PageRequest) -> Page[Role]:
    """The firm's roles by number: the six system roles, then its custom roles (one Query)."""
    principal.require(READ)
    org = principal.org_id

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[Role]:
        listed: list[Role] = []
        custom_start: dict[str, Any] | None = None
        if start is None or "system" in start:
            after = int(start["system"]) if start else 0
            listed.extend(r for r in roles.system_roles() if r.number > after)
        else:
            custom_start = start
        if len(listed) < limit:
            found = CustomRole.gsi1.query(
                roles.roles_partition(org), limit=limit - len(listed), last_evaluated_key=custom_start
            )
            listed.extend(item.as_role() for item in found if isinstance(item, CustomRole))
        return listed[:limit]

    def count() -> int:
        return len(roles.system_roles()) + CustomRole.gsi1.count(roles.roles_partition(org))

    scope = Scope(tenant=org, query={"list": "roles"})
    return paginate_query(query, page, scope, key_of=lambda role: _listed_key(org, role), count=count)


def all_roles(org_id: str) -> list[Role]:
    """Every role of the firm (system, then custom by number): one Query, paged by DynamoDB alone
    (a firm has tens of roles, not thousands)."""
    custom = CustomRole.gsi1.query(roles.roles_partition(org_id))
    return [*roles.system_roles(), *(item.as_role() for item in custom if isinstance(item, CustomRole))]


def usage_counts(principal: Principal) -> list[Counted]:
    """Members per role, for every role of the firm: the counters (one Query) and the roles."""
    principal.require(READ)
    counted = roles.holders(principal.org_id)
    return [Counted(role, counted.get(role.ref, 0)) for role in all_roles(principal.org_id)]


# --- writing -------------------------------------------------------------------------------


def _grants(sent: Iterable[str]) -> list[str]:
    """The grants as stored (`users.view` → `users:read`), each once; unknown names and platform
    permissions are a 400 naming them."""
    parsed: list[str] = []
    unknown: list[str] = []
    platform: list[str] = []
    for spelling in sent:
        try:
            grant = permissions.parse(spelling)
        except permissions.UnknownPermission:
            unknown.append(spelling)
            continue
        if grant.split(":", 1)[0] == "platform":
            platform.append(spelling)
        elif grant not in parsed:
            parsed.append(grant)
    details = []
    if unknown:
        details.append({"field": "permissions", "message": f"not in the catalogue: {', '.join(unknown)}"})
    if platform:
        details.append(
            {
                "field": "permissions",
                "message": f"platform permissions are not for firm roles: {', '.join(platform)}",
            }
        )
    if details:
        raise ValidationFailed("Unknown permissions" if unknown else "Invalid permissions", details=details)
    return parsed


def _require_grantable(principal: Principal, grants: Iterable[str]) -> None:
    refused = roles.beyond(principal, grants)
    if refused:
        raise Forbidden(
            "You cannot grant permissions you do not hold",
            details={"permissions": refused},
        )


def _slug_of(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_name)
    slug = "-".join(words)[:40].strip("-")
    return slug if slug and slug[0].isalpha() else f"role-{slug}".strip("-")


def _slug_free(org_id: str, slug: str) -> bool:
    if slug in roles.RESERVED_SLUGS:
        return False
    try:
        RoleSlug.get(*roles.slug_key(org_id, slug), consistent_read=True)
    except RoleSlug.DoesNotExist:
        return True
    return False


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"A role with the slug {slug!r} already exists in this organization",
        details=[{"field": "slug", "message": "already taken"}],
    )


def create(principal: Principal, data: RoleIn) -> Role:
    """A custom role, numbered from the firm's counter, with its slug claimed; audited."""
    principal.require(WRITE)
    grants = _grants(data.permissions)
    _require_grantable(principal, grants)
    org = principal.org_id
    if data.slug is not None and not _slug_free(org, data.slug):
        raise _slug_taken(data.slug)

    def attempt() -> CustomRole:
        reservation = counters.reserve(
            org, roles.NUMBER_SERIES, yearly=False, first=roles.FIRST_CUSTOM_NUMBER
        )
        slug = data.slug
        if slug is None:
            slug = _slug_of(data.name)
            if not _slug_free(org, slug):
                slug = f"{slug[:40]}-{reservation.number}"
        item = CustomRole(
            id=new_id(roles.ID_PREFIX),
            org_id=org,
            number=reservation.number,
            name=data.name,
            slug=slug,
            description=data.description,
            permissions=grants,
        )
        # after retries (the number counter's races), what still conflicts is the slug
        with transaction(principal, conflict_message=_slug_taken(slug).message) as tx:
            tx.save(item, condition=CustomRole.pk.does_not_exist())
            tx.save(_slug_claim(org, slug, item.id), condition=RoleSlug.pk.does_not_exist())
            reservation.commit_in(tx)
            tx.audit(
                "role.created",
                item,
                {"after": {"name": item.name, "slug": slug, "number": item.number, "permissions": grants}},
            )
        return item

    return counters.numbered(attempt).as_role()


def _slug_claim(org_id: str, slug: str, role_id: str) -> RoleSlug:
    return RoleSlug(*roles.slug_key(org_id, slug), org_id=org_id, role_id=role_id)


def _writable_id(principal: Principal, reference: str) -> str:
    """The id of the custom role to change or delete; a system role is read-only (403)."""
    if roles.is_custom_ref(reference):
        return reference
    role = roles.find(principal.org_id, reference)
    if role.system:
        raise Forbidden(
            f"The system role {role.slug!r} cannot be changed or deleted; create a custom role instead",
            details={"role": role.slug, "system": True},
        )
    return role.id


def update(principal: Principal, reference: str, data: RoleUpdate, if_match: str | None) -> Role:
    """Change the sent fields; `permissions` replaces the grants (whoever changes them must be able to
    grant every permission added or taken away). A PUT that changes nothing keeps the version."""
    principal.require(WRITE)
    item = roles.get_custom(principal.org_id, _writable_id(principal, reference), consistent=True)
    concurrency.check(if_match, item.version)
    sent = data.model_dump(exclude_unset=True)
    if "permissions" in sent:
        wanted = _grants(sent["permissions"])
        current = [str(p) for p in item.permissions or ()]
        sent["permissions"] = current if set(wanted) == set(current) else wanted
    changes = diff(item, sent)
    if not changes:
        return item.as_role()
    if "permissions" in changes:
        before, after = set(changes.before["permissions"] or ()), set(changes.after["permissions"])
        _require_grantable(principal, sorted(before ^ after))
    old_slug = item.slug
    if "slug" in changes and not _slug_free(principal.org_id, str(changes.after["slug"])):
        raise _slug_taken(str(changes.after["slug"]))
    changes.apply(item)
    try:
        with transaction(principal) as tx:
            tx.save(item)
            if "slug" in changes:
                old = _slug_claim(principal.org_id, old_slug, item.id)
                tx.delete(old, condition=RoleSlug.role_id == item.id)
                tx.save(
                    _slug_claim(principal.org_id, item.slug, item.id), condition=RoleSlug.pk.does_not_exist()
                )
            tx.audit("role.updated", item, changes.audit())
    except Conflict:
        if if_match is not None:
            raise PreconditionFailed() from None
        if "slug" in changes and not _slug_free(principal.org_id, item.slug):
            raise _slug_taken(item.slug) from None
        raise
    return item.as_role()


def _in_use(count: int) -> Conflict:
    members = "1 member holds" if count == 1 else f"{count} members hold"
    return Conflict(
        f"The role is in use: {members} it. Give them another role first",
        details={"memberCount": count},
    )


def delete(principal: Principal, reference: str, if_match: str | None) -> Role:
    """Delete an unused custom role (its slug is freed; its number is never reused)."""
    principal.require(WRITE)
    org = principal.org_id
    item, count = _with_count(org, _writable_id(principal, reference))
    concurrency.check(if_match, item.version)
    if count:
        raise _in_use(count)
    unused = (RoleHolders.members == 0) | RoleHolders.members.does_not_exist()
    try:
        with transaction(principal) as tx:
            tx.delete(item)
            tx.delete(_slug_claim(org, item.slug, item.id))
            tx.check(roles.holders_item(org, item.id), unused)
            tx.audit(
                "role.deleted",
                item,
                {
                    "before": {
                        "name": item.name,
                        "slug": item.slug,
                        "permissions": list(item.permissions or ()),
                    }
                },
            )
    except Conflict:
        # a member was given the role meanwhile, or the role itself changed
        count = member_count(org, item.id)
        if count:
            raise _in_use(count) from None
        if if_match is not None:
            raise PreconditionFailed() from None
        raise
    return item.as_role()


def holders_of(principal: Principal) -> dict[str, int]:
    """Members per role ref (for lists that show counts on request)."""
    principal.require(READ)
    return roles.holders(principal.org_id)
