"""Directory group: users and organizations (seed 001). So far the caller's own password and the
organization's settings; the administration of users, roles and invitations comes with its issue."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from docket.api.deps import CurrentPrincipal
from docket.api.models import Ok
from docket.api.resolver import build_app, make_handler
from docket.credits import service as credits
from docket.credits.periods import Period
from docket.credits.service import CreditsOut, UsageOut
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


# --- research credits and usage (seed 002): the caller's own ----------------------------------

credits_router = Router()


@credits_router.get("/user/credits", summary="Your research credits this month", tags=["credits"])
def get_credits(principal: CurrentPrincipal) -> Ok[CreditsOut]:
    return Ok(data=CreditsOut(credits=credits.credits_of(principal)))


@credits_router.get("/user/usage", summary="Your research usage in a period, by day", tags=["credits"])
def get_usage(principal: CurrentPrincipal, period: Period = Period.MONTH) -> Ok[UsageOut]:
    return Ok(data=UsageOut(usage=credits.usage_of(principal, period)))


app = build_app("directory", [router, credits_router])
handler = make_handler(app)
