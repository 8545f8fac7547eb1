"""Organizations (seed 001): the firm's profile, settings, slug and counts; the caller's memberships
and switching between them.

Access patterns (docs/access-patterns.md): the organization `ORG#<org>` / `META` (O1); its counts
`ORG#<org>` / `TALLY` (O2); slug claims `SLUG#<slug>` / `SLUG` (O3); a user's organizations
`USER#<user>`, `sk begins_with ORG#` then a `BatchGetItem` of those organizations (O4).
"""

from __future__ import annotations

from typing import Any

from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.currencies import MINOR_UNITS
from docket.data import revisions, tallies
from docket.data.changes import diff_values
from docket.data.models import item_key, org_key
from docket.data.transactions import AuditTarget, Transaction
from docket.directory import entitlements, slugs
from docket.directory.models import (
    AddressOut,
    ApiKeyCounts,
    BillingRateOut,
    Counts,
    DateFormat,
    MemberCounts,
    OrganizationOut,
    OrganizationSettings,
    OrganizationStats,
    OrganizationUpdate,
    SettingsChanges,
    WeekStart,
)
from docket.errors import AuthenticationFailed, Conflict, Forbidden
from docket.identity import accounts, sessions
from docket.identity.accounts import Organization, SlugClaim, UserOrganization, slug_claim
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.ORGANIZATIONS_READ
MANAGE = permissions.ORGANIZATIONS_MANAGE
ADDRESS_FIELDS = ("street", "city", "state", "zip_code", "country")
#: what an organization's settings are until it chooses (`require_mfa` lives beside them)
DEFAULT_SETTINGS: dict[str, Any] = {
    "time_zone": "UTC",
    "currency": "USD",
    "default_billing_rate": None,
    "date_format": DateFormat.ISO.value,
    "time_format": "24h",
    "week_start": WeekStart.MONDAY.value,
    "language": "en",
    "fiscal_year_start_month": 1,
}
SWITCHED = "switched organization"


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def _target(organization: Organization) -> AuditTarget:
    return AuditTarget(org_id=organization.id, type="organization", id=organization.id)


def get(principal: Principal) -> Organization:
    """The organization the caller acts in (one `GetItem`)."""
    principal.require(READ)
    return accounts.get_organization(principal.org_id)


# --- the firm's profile --------------------------------------------------------------------------


def _profile(organization: Organization) -> dict[str, Any]:
    address = _plain(organization.address)
    flat: dict[str, Any] = {
        name: getattr(organization, name)
        for name in ("name", "email", "phone", "website", "logo_url", "tax_id", "description")
    }
    flat.update({f"address.{name}": address.get(name) for name in ADDRESS_FIELDS})
    return flat


def update(principal: Principal, body: OrganizationUpdate, if_match: str | None) -> Organization:
    """Apply the sent fields; nothing changed → the organization as it is (same version, no write)."""
    principal.require(MANAGE)
    organization = accounts.get_organization(principal.org_id)
    concurrency.check(if_match, revisions.version_of(organization))
    sent = body.model_fields_set
    wanted: dict[str, Any] = {name: getattr(body, name) for name in sent if name != "address"}
    if "email" in wanted:
        wanted["email"] = accounts.normalize_email(str(wanted["email"]))
    if "address" in sent:
        if body.address is None:
            wanted.update({f"address.{name}": None for name in ADDRESS_FIELDS})
        else:
            wanted.update({f"address.{n}": getattr(body.address, n) for n in body.address.model_fields_set})
    before = _profile(organization)
    changes = diff_values(before, wanted)
    if changes:
        after = {**before, **changes.after}
        writes = {name: after[name] for name in changes.after if not name.startswith("address.")}
        if any(name.startswith("address.") for name in changes.after):
            address = {n: after[f"address.{n}"] for n in ADDRESS_FIELDS if after[f"address.{n}"] is not None}
            writes["address"] = address or None
        writes["updated_by"] = principal.user_id
        revisions.commit(
            principal,
            organization,
            writes,
            changes,
            action="organization.updated",
            target=_target(organization),
            if_match=if_match,
        )
    return organization


# --- settings ------------------------------------------------------------------------------------


def settings_of(organization: Organization) -> dict[str, Any]:
    """Every setting, defaults filled in (`require_mfa` included)."""
    stored = _plain(organization.settings)
    values = {name: stored.get(name, default) for name, default in DEFAULT_SETTINGS.items()}
    rate = values["default_billing_rate"]
    values["default_billing_rate"] = _plain(rate) if rate is not None else None
    values["require_mfa"] = bool(organization.require_mfa)
    return values


def update_settings(principal: Principal, changes_sent: SettingsChanges) -> Organization:
    """Seed 001's `PUT /organizations/me/settings`: the settings sent change, the rest stay.

    The settings guard the organization's members (MFA) and its money (currency, rates), so an API
    key, which acts for an integration rather than a person, may not change them; whoever requires
    MFA of the members must have MFA themselves, so nobody locks the firm out by a setting they
    could not meet."""
    principal.require(MANAGE)
    if principal.auth_method == "api_key":
        raise Forbidden("API keys cannot change the organization's settings")
    organization = accounts.get_organization(principal.org_id)
    before = settings_of(organization)
    sent = changes_sent.model_fields_set
    wanted: dict[str, Any] = {}
    for name in sent - {"default_billing_rate"}:
        value = getattr(changes_sent, name)
        wanted[name] = value.value if hasattr(value, "value") else value
    currency = wanted.get("currency", before["currency"])
    if "default_billing_rate" in sent:
        rate = changes_sent.default_billing_rate
        wanted["default_billing_rate"] = (
            None if rate is None else {"amount": rate.amount, "currency": rate.currency or currency}
        )
    changes = diff_values(before, wanted)
    if not changes:
        return organization
    if changes.after.get("require_mfa") is True and not accounts.get_user(principal.user_id).mfa_enabled:
        raise Forbidden("Enable MFA on your own account before requiring it of the organization")
    after = {**before, **changes.after}
    writes: dict[str, Any] = {"updated_by": principal.user_id}
    if "require_mfa" in changes:
        writes["require_mfa"] = after["require_mfa"]
    if set(changes.after) - {"require_mfa"}:
        writes["settings"] = {name: after[name] for name in DEFAULT_SETTINGS}
    revisions.commit(
        principal,
        organization,
        writes,
        changes,
        action="organization.settings_updated",
        target=_target(organization),
        if_match=None,
    )
    return organization


def present_settings(organization: Organization) -> OrganizationSettings:
    values = settings_of(organization)
    rate = values["default_billing_rate"]
    return OrganizationSettings(
        require_mfa=values["require_mfa"],
        time_zone=values["time_zone"],
        currency=values["currency"],
        default_billing_rate=(
            None
            if rate is None
            else BillingRateOut(
                amount=int(rate["amount"]),
                currency=str(rate["currency"]),
                minor_units=MINOR_UNITS[str(rate["currency"])],
            )
        ),
        date_format=DateFormat(values["date_format"]),
        time_format=values["time_format"],
        week_start=WeekStart(values["week_start"]),
        language=values["language"],
        fiscal_year_start_month=int(values["fiscal_year_start_month"]),
    )


def present(organization: Organization) -> OrganizationOut:
    address = _plain(organization.address)
    return OrganizationOut(
        id=organization.id,
        name=organization.name,
        email=organization.email,
        slug=organization.slug,
        phone=organization.phone,
        website=organization.website,
        address=AddressOut(**{n: address.get(n) for n in ADDRESS_FIELDS}) if address else None,
        logo_url=organization.logo_url,
        tax_id=organization.tax_id,
        description=organization.description,
        settings=present_settings(organization),
        created_at=organization.created_at,
        updated_at=organization.updated_at or organization.created_at,
        version=int(organization.version or 0),
    )


# --- the slug ------------------------------------------------------------------------------------


def change_slug(principal: Principal, sent: str, if_match: str | None) -> Organization:
    """A new slug for the caller's organization: claimed across the platform and the old one
    released, in one transaction with the change and its audit entry."""
    principal.require(MANAGE)
    organization = accounts.get_organization(principal.org_id)
    entitlements.require(organization, entitlements.Feature.CUSTOM_SLUG)
    concurrency.check(if_match, revisions.version_of(organization))
    slug = slugs.normalized(sent)
    changes = diff_values({"slug": organization.slug}, {"slug": slug})
    if not changes:
        return organization
    taken = Conflict(
        "That slug is taken; choose another",
        details=[{"field": "slug", "message": "taken by another organization"}],
    )
    try:
        holder = SlugClaim.get(f"SLUG#{slug}", "SLUG", consistent_read=True)
    except SlugClaim.DoesNotExist:
        holder = None
    if holder is not None and holder.org_id != organization.id:
        raise taken
    previous = organization.slug

    def claims(tx: Transaction) -> None:
        tx.save(slug_claim(slug, organization.id), condition=SlugClaim.pk.does_not_exist())
        # organizations registered before slugs were claimed hold no claim: nothing to release
        tx.delete(
            slug_claim(previous),
            condition=SlugClaim.pk.does_not_exist() | (SlugClaim.org_id == organization.id),
        )

    try:
        revisions.commit(
            principal,
            organization,
            {"slug": slug, "updated_by": principal.user_id},
            changes,
            action="organization.slug_changed",
            target=_target(organization),
            if_match=if_match,
            also=claims,
        )
    except Conflict as exc:
        raise taken from exc
    return organization


# --- counts --------------------------------------------------------------------------------------


def stats(principal: Principal) -> OrganizationStats:
    """The organization's counts, kept by the writes that change them: one `GetItem` of the tally,
    one Query of the members per role (`docket.access.roles.holders`, system names or custom role ids)."""
    from docket.access import roles

    principal.require(READ)
    counts = tallies.read(principal.org_id)
    by_role = {ref: n for ref, n in roles.holders(principal.org_id).items() if n}
    members = counts.get("members", {})
    feedback = counts.get("feedback", {})
    keys = counts.get("api_keys", {}).get("status", {})
    by_status = {k: v for k, v in members.get("status", {}).items() if v}
    feedback_by_status = {k: v for k, v in feedback.get("status", {}).items() if v}
    return OrganizationStats(
        organization_id=principal.org_id,
        members=MemberCounts(
            total=sum(by_status.values()),
            by_status=by_status,
            by_role=by_role,
        ),
        feedback=Counts(total=sum(feedback_by_status.values()), by_status=feedback_by_status),
        api_keys=ApiKeyCounts(active=keys.get("active", 0)),
    )


# --- the caller's organizations ------------------------------------------------------------------


def _person(principal: Principal) -> None:
    if principal.auth_method == "api_key":
        raise Forbidden("API keys belong to one organization; they have no memberships to list or switch")


def memberships(
    principal: Principal, page: PageRequest
) -> tuple[Page[UserOrganization], dict[str, Organization]]:
    """The caller's organizations (one Query of their memberships, one `BatchGetItem` of the
    organizations on the page)."""
    _person(principal)
    partition = f"USER#{principal.user_id}"

    def query(limit: int, start: dict[str, Any] | None) -> Any:
        return UserOrganization.query(
            partition, UserOrganization.sk.startswith("ORG#"), limit=limit, last_evaluated_key=start
        )

    scope = Scope(tenant=partition, query={"list": "organizations"})
    found = paginate_query(query, page, scope, key_of=lambda item: item_key(item))
    keys = [(org_key(m.org_id), "META") for m in found.items]
    organizations = {o.id: o for o in Organization.batch_get(keys)} if keys else {}
    return found, organizations


def switch(
    principal: Principal, organization_id: str, *, device: str | None, ip: str | None
) -> accounts.LoggedIn:
    """New tokens for another of the caller's organizations; the session that asked ends.

    The membership is checked as at a login (`accounts.open_session`: an active member there, or the
    same 403 for any other id, existing or not).

    The new session's roles and permissions are the membership's there (as at a login); the
    organization's MFA requirement applies to it; an MFA verified in the old session stays verified
    (its time is carried over, so a step-up window is not extended). Ending the old session makes
    "from now on, the other firm" true for every token the client holds."""
    _person(principal)
    if not principal.session_id:
        raise Forbidden(
            "Switching organization needs a signed-in session; tokens of other issuers act in one"
        )
    user = accounts.get_user(principal.user_id)
    if user.status != "active":
        raise AuthenticationFailed("This account is disabled")
    current = sessions.active(principal.session_id)
    if current is None:
        raise AuthenticationFailed("Session is not active")
    found = accounts.open_session(
        user,
        organization_id=organization_id,
        device=device,
        ip=ip,
        mfa_verified_at=current.mfa_verified_at,
    )
    if sessions.end(current, reason=SWITCHED):
        accounts.audit_event(
            user.id,
            principal.org_id,
            "auth.session_revoked",
            {"sessionId": current.session_id, "reason": SWITCHED},
        )
    accounts.audit_event(
        user.id,
        organization_id,
        "auth.login",
        {"ip": ip, "device": device, "sessionId": found.tokens.session_id, "method": "switch"},
    )
    return found
