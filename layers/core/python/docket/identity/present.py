"""How a sign-in is answered: the user and organization summaries every route that hands out
session tokens shares (login, single sign-on, switching organization)."""

from __future__ import annotations

from docket.identity.accounts import LoggedIn
from docket.identity.models import OrganizationSummary, SessionTokens, UserSummary


def user_summary(found: LoggedIn) -> UserSummary:
    user = found.user
    return UserSummary(
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


def organization_summary(found: LoggedIn) -> OrganizationSummary:
    return OrganizationSummary(
        id=found.organization.id, name=found.organization.name, slug=found.organization.slug
    )


def session_tokens(found: LoggedIn) -> SessionTokens:
    return SessionTokens(
        access_token=found.tokens.access_token,
        refresh_token=found.tokens.refresh_token,
        expires_in=found.tokens.expires_in,
        user=user_summary(found),
        organization=organization_summary(found),
        mfa_setup_required=found.mfa_setup_required,
    )
