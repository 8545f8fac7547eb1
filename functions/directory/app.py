"""Directory group: users, organizations, roles, members and invitations (seeds 000, 001, 002).

Each part of the group has its own router, included below: the caller's own account (profile,
password, personal data), organizations, the firm's roles, its members and invitations, and the
caller's research credits and usage."""

from __future__ import annotations

from typing import Annotated, Literal

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
from docket.api.deps import CurrentPrincipal, IfMatch, PreferAsync
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.credits import service as credits
from docket.credits.periods import Period
from docket.credits.service import CreditsOut, UsageOut
from docket.directory import organizations, profile
from docket.directory.models import (
    MembershipList,
    MembershipOut,
    OrganizationOut,
    OrganizationSettingsIn,
    OrganizationSettingsOut,
    OrganizationStats,
    OrganizationUpdate,
    ProfileOut,
    ProfileUpdate,
    SlugIn,
    SwitchedOrganization,
    SwitchIn,
    UserProfileOut,
)
from docket.errors import AuthenticationFailed
from docket.identity import accounts, present, sessions
from docket.identity.models import ChangePasswordIn, Done
from docket.members import invitations
from docket.members import present as member_views
from docket.members import service as members
from docket.members.schemas import (
    AcceptIn,
    InvitationAccepted,
    InvitationIn,
    InvitationList,
    InvitationOut,
    InvitationPreview,
    InvitationStatus,
    JoinedOrganization,
    MemberIn,
    MemberList,
    MemberOut,
    MemberStatus,
    MemberUpdate,
    RevokeIn,
)
from docket.privacy import jobs
from docket.privacy.models import DataExportAnswer, DataExportOut, PersonalData, PersonalDataAnswer
from docket.security import browser

# --- the caller's own account: profile, password -------------------------------------------------
me = Router()
USERS = ["users"]


@me.put(
    "/users/me/change-password",
    summary="Change your password (other sessions end); the same as POST /auth/change-password",
    tags=USERS,
)
def change_password(principal: CurrentPrincipal, body: ChangePasswordIn) -> Ok[Done]:
    accounts.change_password(principal, body.current_password, body.new_password)
    return Ok(data=Done(), message="Password changed")


def _profile(found: profile.Profile) -> Response[Ok[ProfileOut]]:
    return ok(profile.present(found), version=found.user.version or 0)


@me.get("/users/me", summary="Your profile (seed 001)", tags=USERS)
def get_me(principal: CurrentPrincipal) -> Response[Ok[ProfileOut]]:
    return _profile(profile.get(principal))


@me.put(
    "/users/me",
    summary="Change your profile (seed 001's first_name, last_name, phone, avatar_url; any profile field)",
    tags=USERS,
)
def update_me(
    principal: CurrentPrincipal, body: ProfileUpdate, if_match: IfMatch
) -> Response[Ok[ProfileOut]]:
    return _profile(profile.update(principal, body, if_match))


@me.get("/users/profile", summary="Your profile (seed 000)", tags=USERS)
def get_profile(principal: CurrentPrincipal) -> Response[Ok[ProfileOut]]:
    return _profile(profile.get(principal))


@me.put(
    "/users/profile",
    summary="Change your profile (seed 000's name, phone, address, preferences; any profile field)",
    tags=USERS,
)
def update_profile(
    principal: CurrentPrincipal, body: ProfileUpdate, if_match: IfMatch
) -> Response[Ok[ProfileOut]]:
    return _profile(profile.update(principal, body, if_match))


def _user_profile(found: profile.Profile) -> Response[Ok[UserProfileOut]]:
    return ok(UserProfileOut(user=profile.present(found)), version=found.user.version or 0)


@me.get("/user/profile", summary="Your profile (seed 002: under `user`)", tags=USERS)
def get_user_profile(principal: CurrentPrincipal) -> Response[Ok[UserProfileOut]]:
    return _user_profile(profile.get(principal))


@me.put(
    "/user/profile",
    summary="Change your profile (seed 002's name, avatarUrl; any profile field)",
    tags=USERS,
)
def update_user_profile(
    principal: CurrentPrincipal, body: ProfileUpdate, if_match: IfMatch
) -> Response[Ok[UserProfileOut]]:
    return _user_profile(profile.update(principal, body, if_match))


# --- the caller's personal data (GDPR) -----------------------------------------------------------
DataExportId = Annotated[str, Path(min_length=3, max_length=64, description="Data export id (`dexp_…`)")]


@me.get(
    "/users/me/download-data",
    summary="Everything Docket holds about you (GDPR): at once when small, else a job to poll "
    "(also when asked with `Prefer: respond-async`)",
    tags=USERS,
    responses={
        200: {"description": "Your data", "content": {"application/json": {"model": PersonalDataAnswer}}},
        202: {
            "description": "Being prepared: poll statusUrl (Location) for the download",
            "content": {"application/json": {"model": DataExportAnswer}},
        },
    },
)
def download_data(
    principal: CurrentPrincipal, prefer_async: PreferAsync
) -> Response[Ok[PersonalData | DataExportOut]]:
    found = jobs.inline_or_job(principal, prefer_async=prefer_async)
    if isinstance(found, dict):
        return ok(PersonalData.model_validate(found))
    return ok(
        jobs.present(found),
        status=202,
        version=found.version,
        location=f"/users/me/download-data/{found.id}",
        message="Your data is being prepared: poll statusUrl for the download link",
    )


@me.get(
    "/users/me/download-data/<dataExportId>",
    summary="A data export you asked for: its status and, when done, a download link (5 minutes)",
    tags=USERS,
)
def data_export(principal: CurrentPrincipal, dataExportId: DataExportId) -> Response[Ok[DataExportOut]]:
    item = jobs.get(principal, dataExportId)
    return ok(jobs.present(item), version=item.version)


# --- organizations -------------------------------------------------------------------------------
orgs = Router()
ORGANIZATIONS = ["organizations"]


def _organization(organization: accounts.Organization) -> Response[Ok[OrganizationOut]]:
    return ok(organizations.present(organization), version=organization.version or 0)


@orgs.get("/organizations/me", summary="The organization you act in", tags=ORGANIZATIONS)
def get_organization(principal: CurrentPrincipal) -> Response[Ok[OrganizationOut]]:
    return _organization(organizations.get(principal))


@orgs.put(
    "/organizations/me",
    summary="Change the organization's profile (name, email, phone, address, …)",
    tags=ORGANIZATIONS,
)
def update_organization(
    principal: CurrentPrincipal, body: OrganizationUpdate, if_match: IfMatch
) -> Response[Ok[OrganizationOut]]:
    return _organization(organizations.update(principal, body, if_match))


@orgs.put(
    "/organizations/me/settings",
    summary="Change the organization's settings (the ones sent); answers all of them",
    tags=ORGANIZATIONS,
)
def update_settings(
    principal: CurrentPrincipal, body: OrganizationSettingsIn
) -> Response[Ok[OrganizationSettingsOut]]:
    organization = organizations.update_settings(principal, body.settings)
    data = OrganizationSettingsOut(
        organization_id=organization.id, settings=organizations.present_settings(organization)
    )
    return ok(data, version=organization.version or 0)


@orgs.put(
    "/organizations/me/slug",
    summary="Change the organization's slug (unique across Docket; some words are reserved)",
    tags=ORGANIZATIONS,
)
def change_slug(
    principal: CurrentPrincipal, body: SlugIn, if_match: IfMatch
) -> Response[Ok[OrganizationOut]]:
    return _organization(organizations.change_slug(principal, body.slug, if_match))


@orgs.get(
    "/organizations/me/stats",
    summary="The organization's counts: members by role and status, feedback, API keys",
    tags=ORGANIZATIONS,
)
def organization_stats(principal: CurrentPrincipal) -> Ok[OrganizationStats]:
    return Ok(data=organizations.stats(principal))


@orgs.get("/organizations", summary="Your organizations (the current one marked)", tags=ORGANIZATIONS)
def list_organizations(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
) -> Ok[MembershipList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found, by_id = organizations.memberships(principal, request)
    listed = [
        MembershipOut(
            id=membership.org_id,
            name=by_id[membership.org_id].name,
            slug=by_id[membership.org_id].slug,
            role=membership.roles[0] if membership.roles else None,
            roles=list(membership.roles or ()),
            current=membership.org_id == principal.org_id,
        )
        for membership in found.items
        if membership.org_id in by_id
    ]
    return Ok(data=MembershipList(organizations=listed, pagination=found.pagination))


@orgs.put(
    "/organizations/switch",
    summary="Act in another of your organizations: new tokens (this session ends)",
    tags=ORGANIZATIONS,
)
def switch_organization(principal: CurrentPrincipal, body: SwitchIn) -> Response[Ok[SwitchedOrganization]]:
    event = orgs.current_event
    device = browser.header(event.headers, "user-agent")
    found = organizations.switch(
        principal, body.organization_id, device=device, ip=event.request_context.identity.source_ip
    )
    by_cookie = principal.auth_method == "cookie"
    data = SwitchedOrganization(
        access_token=found.tokens.access_token,
        refresh_token=None if by_cookie else found.tokens.refresh_token,
        expires_in=found.tokens.expires_in,
        user=present.user_summary(found),
        organization=present.organization_summary(found),
        mfa_setup_required=found.mfa_setup_required,
    )
    cookies = (
        browser.session_cookies(
            found.tokens.access_token,
            found.tokens.refresh_token,
            access_ttl_s=found.tokens.expires_in,
            refresh_ttl_s=int(sessions.REFRESH_LIFETIME.total_seconds()),
        )
        if by_cookie
        else None
    )
    return ok(data, message=f"Now acting in {found.organization.name}", cookies=cookies)


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


# --- members (seed 000 `/users`, seed 001 `/users/:id`) and invitations (seed 001) ------------

members_router = Router()
MEMBERS = ["users"]
UserId = Annotated[str, Path(min_length=3, max_length=64, description="The member's user id (`usr_…`)")]
SortOrder = Annotated[
    Literal["asc", "desc"] | None,
    Query(alias="sortOrder", description="asc or desc (default: newest first; A-Z by name or email)"),
]


@members_router.get(
    "/users", summary="The firm's members: search, filter by role and status, sort", tags=MEMBERS
)
def list_members(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    search: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of a name or email")
    ] = None,
    role: Annotated[
        str | None, Query(min_length=1, max_length=64, description="A role's id, slug, name or number")
    ] = None,
    status: Annotated[MemberStatus | None, Query(description="active, inactive or revoked")] = None,
    sort_by: Annotated[Literal["name", "email", "createdAt"], Query(alias="sortBy")] = "createdAt",
    sort_order: SortOrder = None,
) -> Ok[MemberList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    descending = sort_order == "desc" if sort_order else sort_by == "createdAt"
    found = members.list_members(
        principal, request, search=search, role=role, status=status, sort_by=sort_by, descending=descending
    )
    listed = member_views.members(principal.org_id, found.items)
    return Ok(data=MemberList(users=listed, pagination=found.pagination))


@members_router.post(
    "/users",
    status_code=201,
    summary="Add a member (an address with a Docket account already is invited instead: 202)",
    tags=MEMBERS,
)
def add_member(principal: CurrentPrincipal, body: MemberIn) -> Response[Ok[MemberOut | InvitationOut]]:
    added = members.add(principal, body)
    if added.invitation is not None:
        invited = member_views.invitation(added.invitation)
        return ok(
            invited,
            status=202,
            version=added.invitation.version,
            location=f"/invitations/{added.invitation.id}",
            message="This address has a Docket account: it was invited, and joins when its owner accepts",
        )
    assert added.member is not None
    created = member_views.member(added.member)
    return ok(
        created,
        status=201,
        version=created.version,
        location=f"/users/{created.id}",
        message="Member added; a welcome mail with a link to choose a password is on its way",
    )


@members_router.get("/users/<userId>", summary="A member of the firm", tags=MEMBERS)
def get_member(principal: CurrentPrincipal, userId: UserId) -> Response[Ok[MemberOut]]:
    found = member_views.member(members.get(principal, userId))
    return ok(found, version=found.version)


@members_router.put(
    "/users/<userId>",
    summary="Change a member's role, status or (the firm's own accounts) details",
    tags=MEMBERS,
)
def update_member(
    principal: CurrentPrincipal, userId: UserId, if_match: IfMatch, body: MemberUpdate | None = None
) -> Response[Ok[MemberOut]]:
    # seed 000 prints this request with no body: it changes nothing and answers the member
    found = member_views.member(members.update(principal, userId, body or MemberUpdate(), if_match))
    return ok(found, version=found.version)


@members_router.delete(
    "/users/<userId>", summary="Remove a member from the firm (their account stays)", tags=MEMBERS
)
def remove_member(principal: CurrentPrincipal, userId: UserId, if_match: IfMatch) -> Ok[MemberOut]:
    return Ok(data=member_views.member(members.remove(principal, userId, if_match)), message="Member removed")


@members_router.post(
    "/users/<userId>/revoke",
    summary="Revoke a member's access: every session in the firm ends at once",
    tags=MEMBERS,
)
def revoke_member(principal: CurrentPrincipal, userId: UserId, body: RevokeIn) -> Response[Ok[MemberOut]]:
    found = member_views.member(members.revoke(principal, userId, body.reason))
    return ok(found, version=found.version, message="Access revoked")


invitations_router = Router()
INVITATIONS = ["invitations"]
InvitationId = Annotated[str, Path(min_length=3, max_length=64, description="The invitation's id (`inv_…`)")]
InvitationToken = Annotated[
    str, Path(min_length=1, max_length=128, description="The token from the invitation's mail")
]


@invitations_router.post(
    "/invitations", status_code=201, summary="Invite someone to the firm with a role", tags=INVITATIONS
)
def invite(principal: CurrentPrincipal, body: InvitationIn) -> Response[Ok[InvitationOut]]:
    sent = invitations.invite(principal, body.email, body.role_reference).invitation
    return ok(
        member_views.invitation(sent),
        status=201,
        version=sent.version,
        location=f"/invitations/{sent.id}",
        message="Invitation sent",
    )


@invitations_router.get("/invitations", summary="The firm's invitations, newest first", tags=INVITATIONS)
def list_invitations(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    status: Annotated[
        InvitationStatus | None, Query(description="pending, accepted, expired or revoked")
    ] = None,
) -> Ok[InvitationList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = invitations.list_invitations(principal, request, status=status)
    return Ok(
        data=InvitationList(
            invitations=[member_views.invitation(i) for i in found.items], pagination=found.pagination
        )
    )


@invitations_router.get(
    "/invitations/token/<token>",
    summary="What an invitation's token opens (public: firm, role, inviter, expiry)",
    tags=INVITATIONS,
)
def invitation_by_token(token: InvitationToken) -> Ok[InvitationPreview]:
    found = invitations.by_token(token)
    return Ok(data=member_views.preview(found, accounts.get_organization(found.org_id).name))


@invitations_router.post(
    "/invitations/accept/<token>",
    summary="Accept an invitation: create your account, or join with the one you have (its password, or signed in)",
    tags=INVITATIONS,
)
def accept_invitation(
    token: InvitationToken, body: AcceptIn | None = None
) -> Response[Ok[InvitationAccepted]]:
    sent = body or AcceptIn()
    event = invitations_router.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    device, ip = headers.get("user-agent"), event.request_context.identity.source_ip
    proof = invitations.Proof(
        password=sent.password, mfa_code=sent.mfa_code, bearer=_bearer(headers.get("authorization")), ip=ip
    )
    accepted = invitations.accept(token, first_name=sent.first_name, last_name=sent.last_name, proof=proof)
    organization = accounts.get_organization(accepted.membership.org_id)
    session = None
    if accepted.created:
        signed = accounts.signed_in(
            accepted.user, organization_id=organization.id, device=device, ip=ip, method="invitation"
        )
        session = present.session_tokens(signed)
    data = InvitationAccepted(
        organization=JoinedOrganization(id=organization.id, name=organization.name, slug=organization.slug),
        user=member_views.member(members.Member(accepted.membership, accepted.user)),
        session=session,
    )
    message = f"Welcome to {organization.name}" + ("" if session else ": sign in to act in it")
    return ok(data, message=message)


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Authorization must be a Bearer token")
    return token.strip()


@invitations_router.delete(
    "/invitations/<invitationId>",
    summary="Withdraw an invitation (its token stops working)",
    tags=INVITATIONS,
)
def revoke_invitation(
    principal: CurrentPrincipal, invitationId: InvitationId, if_match: IfMatch
) -> Response[Ok[InvitationOut]]:
    withdrawn = invitations.revoke(principal, invitationId, if_match)
    return ok(member_views.invitation(withdrawn), version=withdrawn.version, message="Invitation withdrawn")


# --- research credits and usage (seed 002): the caller's own ----------------------------------

credits_router = Router()


@credits_router.get("/user/credits", summary="Your research credits this month", tags=["credits"])
def get_credits(principal: CurrentPrincipal) -> Ok[CreditsOut]:
    return Ok(data=CreditsOut(credits=credits.credits_of(principal)))


@credits_router.get("/user/usage", summary="Your research usage in a period, by day", tags=["credits"])
def get_usage(principal: CurrentPrincipal, period: Period = Period.MONTH) -> Ok[UsageOut]:
    return Ok(data=UsageOut(usage=credits.usage_of(principal, period)))


app = build_app("directory", [me, orgs, roles_router, members_router, invitations_router, credits_router])
handler = make_handler(app)
