"""Directory group: users, organizations and roles (seed 001). So far the caller's own password, the
organization's settings and the firm's roles; users and invitations come with their part of the issue."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.access import schemas as role_schemas
from docket.access import service as role_service
from docket.access.schemas import (
    PermissionCatalogue,
    PermissionOut,
    RoleIn,
    RoleList,
    RoleOut,
    RoleUpdate,
    RoleUsage,
    RoleUsageCounts,
)
from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.directory.models import OrganizationSettings, OrganizationSettingsIn, OrganizationSettingsOut
from docket.identity import accounts
from docket.identity.models import ChangePasswordIn, Done

router = Router()


@router.put(
    "/users/me/change-password",
    summary="Change your password (other sessions end); the same as POST /auth/change-password",
    tags=["users"],
)
def change_password(principal: CurrentPrincipal, body: ChangePasswordIn) -> Ok[Done]:
    accounts.change_password(principal, body.current_password, body.new_password)
    return Ok(data=Done(), message="Password changed")


@router.put(
    "/organizations/me/settings",
    summary="Change the organization's settings (`requireMfa`); answers all of them",
    tags=["organizations"],
)
def update_settings(principal: CurrentPrincipal, body: OrganizationSettingsIn) -> Ok[OrganizationSettingsOut]:
    organization = accounts.update_settings(principal, require_mfa=body.settings.require_mfa)
    settings = OrganizationSettings(require_mfa=bool(organization.require_mfa))
    return Ok(data=OrganizationSettingsOut(organization_id=organization.id, settings=settings))


# --- roles (seed 001): /roles… -------------------------------------------------------------

roles_router = Router()
RoleId = Annotated[
    str,
    Path(
        min_length=1, max_length=64, description="The role's id (`role_…`, `role_admin`) or its number (`7`)"
    ),
]
IncludeMemberCounts = Annotated[
    bool, Query(alias="includeMemberCounts", description="Add each role's `memberCount`")
]
ROLES = ["roles"]


@roles_router.get("/roles/permissions", summary="The permission catalogue a firm role may grant", tags=ROLES)
def role_permissions(principal: CurrentPrincipal) -> Ok[PermissionCatalogue]:
    listed = [
        PermissionOut(name=p.name, resource=p.resource, action=p.action, description=p.description)
        for p in role_service.catalogue(principal)
    ]
    return Ok(data=PermissionCatalogue(permissions=listed))


@roles_router.get("/roles/usage-counts", summary="Members per role, for every role of the firm", tags=ROLES)
def role_usage_counts(principal: CurrentPrincipal) -> Ok[RoleUsageCounts]:
    counted = role_service.usage_counts(principal)
    usage = [
        RoleUsage(
            role_id=c.role.id,
            number=c.role.number,
            slug=c.role.slug,
            name=c.role.name,
            system=c.role.system,
            member_count=c.member_count,
        )
        for c in counted
    ]
    return Ok(
        data=RoleUsageCounts(usage_counts=usage, by_role_id={c.role.id: c.member_count for c in counted})
    )


@roles_router.get(
    "/roles", summary="The firm's roles: the six system roles, then its custom roles", tags=ROLES
)
def list_roles(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    include_member_counts: IncludeMemberCounts = False,
) -> Ok[RoleList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = role_service.list_roles(principal, request)
    counts = role_service.holders_of(principal) if include_member_counts else None
    items = [
        role_schemas.present(role, member_count=None if counts is None else counts.get(role.ref, 0))
        for role in found.items
    ]
    return Ok(data=RoleList(roles=items, pagination=found.pagination))


@roles_router.post("/roles", status_code=201, summary="Create a custom role", tags=ROLES)
def create_role(principal: CurrentPrincipal, body: RoleIn) -> Response[Ok[RoleOut]]:
    role = role_service.create(principal, body)
    return ok(
        role_schemas.present(role, member_count=0),
        status=201,
        version=role.version,
        location=f"/roles/{role.id}",
        message="Role created",
    )


@roles_router.get("/roles/<roleId>", summary="Get a role (with its member count)", tags=ROLES)
def get_role(principal: CurrentPrincipal, roleId: RoleId) -> Response[Ok[RoleOut]]:
    found = role_service.get(principal, roleId)
    return ok(role_schemas.present(found.role, member_count=found.member_count), version=found.role.version)


@roles_router.put("/roles/<roleId>", summary="Change a custom role (system roles are read-only)", tags=ROLES)
def update_role(
    principal: CurrentPrincipal, roleId: RoleId, body: RoleUpdate, if_match: IfMatch
) -> Response[Ok[RoleOut]]:
    role = role_service.update(principal, roleId, body, if_match)
    return ok(role_schemas.present(role), version=role.version)


@roles_router.delete("/roles/<roleId>", summary="Delete an unused custom role", tags=ROLES)
def delete_role(principal: CurrentPrincipal, roleId: RoleId, if_match: IfMatch) -> Response[Ok[RoleOut]]:
    role = role_service.delete(principal, roleId, if_match)
    return ok(role_schemas.present(role, member_count=0), message="Role deleted")


app = build_app("directory", [router, roles_router])
handler = make_handler(app)
