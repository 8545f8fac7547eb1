"""Directory group: users and organizations (seed 001). So far the caller's own password and the
organization's settings; the administration of users, roles and invitations comes with its issue."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.directory.models import OrganizationSettings, OrganizationSettingsIn, OrganizationSettingsOut
from docket.errors import AuthenticationFailed
from docket.identity import accounts
from docket.identity.models import ChangePasswordIn, Done, OrganizationSummary, SessionTokens, UserSummary
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
        session = _session_tokens(signed)
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


def _session_tokens(found: accounts.LoggedIn) -> SessionTokens:
    user = found.user
    summary = UserSummary(
        id=user.id,
        email=user.email,
        name=user.name,
        first_name=user.first_name,
        last_name=user.last_name,
        role=found.roles[0] if found.roles else None,
        roles=list(found.roles),
        permissions=list(found.permissions),
        email_verified=user.email_verified_at is not None,
    )
    organization = OrganizationSummary(
        id=found.organization.id, name=found.organization.name, slug=found.organization.slug
    )
    return SessionTokens(
        access_token=found.tokens.access_token,
        refresh_token=found.tokens.refresh_token,
        expires_in=found.tokens.expires_in,
        user=summary,
        organization=organization,
        mfa_setup_required=found.mfa_setup_required,
    )


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


app = build_app("directory", [router, members_router, invitations_router])
handler = make_handler(app)
