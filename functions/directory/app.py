"""Directory group: users and organizations (seed 001). So far the caller's own password and the
organization's settings; the administration of users, roles and invitations comes with its issue."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from docket.api.deps import CurrentPrincipal
from docket.api.models import Ok
from docket.api.resolver import build_app, make_handler
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


app = build_app("directory", [router])
handler = make_handler(app)
