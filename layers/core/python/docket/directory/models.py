"""Request and response models of the directory group: the caller's profile, organizations."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from docket.api.fields import Currency, HttpsUrl, Language, Phone, TimeZone, WebUrl
from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination
from docket.identity.models import EMAIL_PATTERN, OrganizationSummary, UserSummary

# --- shared ----------------------------------------------------------------------------------


class AddressIn(InputModel):
    """A postal address; the fields left out keep their value, `null` clears one."""

    street: Nullable[str] = Field(default=None, max_length=200, examples=["123 Main St"])
    city: Nullable[str] = Field(default=None, max_length=100, examples=["Mumbai"])
    state: Nullable[str] = Field(default=None, max_length=100, examples=["Maharashtra"])
    zip_code: Nullable[str] = Field(default=None, max_length=20, examples=["400001"])
    country: Nullable[str] = Field(default=None, max_length=100, examples=["India"])


class AddressOut(ApiModel):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None


# --- the profile (seeds 000, 001, 002) ---------------------------------------------------------


class NotificationsIn(InputModel):
    email: Omittable[bool] = None
    sms: Omittable[bool] = None
    push: Omittable[bool] = None


class PreferencesIn(InputModel):
    #: BCP 47 (`en`, `en-IN`); null goes back to `en`
    language: Nullable[Language] = None
    #: IANA (`Asia/Kolkata`); null goes back to `UTC`
    timezone: Nullable[TimeZone] = None
    notifications: Omittable[NotificationsIn] = None


class ProfileUpdate(InputModel):
    """Seed 000's `{name, phone, address, preferences}`, seed 001's `{first_name, last_name, phone,
    avatar_url}` and seed 002's `{name, avatarUrl}`: the fields left out keep their value."""

    #: "first last": the first word is the first name, the rest the last name
    name: Omittable[str] = Field(default=None, min_length=1, max_length=201, examples=["John Doe"])
    first_name: Omittable[str] = Field(default=None, min_length=1, max_length=100, examples=["John"])
    last_name: Omittable[str] = Field(default=None, max_length=100, examples=["Doe"])
    #: not changed here (a new address must be verified): only the current one is accepted
    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Nullable[Phone] = None
    #: seed 000's spelling of `avatarUrl`
    avatar: Nullable[HttpsUrl] = None
    avatar_url: Nullable[HttpsUrl] = None
    address: Nullable[AddressIn] = None
    preferences: Omittable[PreferencesIn] = None


class NotificationsOut(ApiModel):
    email: bool
    sms: bool
    push: bool


class PreferencesOut(ApiModel):
    language: str
    timezone: str
    notifications: NotificationsOut


class ProfileOut(ApiModel):
    id: str
    email: str
    #: `firstName lastName`
    name: str
    first_name: str
    last_name: str
    #: the first of `roles`: the user's role in the organization the request acts in
    role: str | None
    roles: list[str]
    #: seed 000's name for `avatarUrl`
    avatar: str | None
    avatar_url: str | None
    phone: str | None
    address: AddressOut | None
    preferences: PreferencesOut
    email_verified: bool
    mfa_enabled: bool
    status: str
    created_at: str
    updated_at: str
    version: int


class UserProfileOut(ApiModel):
    """Seed 002's `{"user": {...}}`."""

    user: ProfileOut


# --- organizations (seed 001) ------------------------------------------------------------------


class OrganizationUpdate(InputModel):
    """Seed 001's `{name, email, phone}` and the rest of a firm's letterhead; the fields left out
    keep their value, `null` clears an optional one. The slug has its own route
    (`PUT /organizations/me/slug`), the settings theirs."""

    name: Omittable[str] = Field(default=None, min_length=1, max_length=200, examples=["Acme Law LLP"])
    #: the firm's contact address (not a sign-in address: no verification)
    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Nullable[Phone] = None
    website: Nullable[WebUrl] = None
    address: Nullable[AddressIn] = None
    logo_url: Nullable[HttpsUrl] = None
    #: VAT / GST / EIN, as the firm's invoices print it
    tax_id: Nullable[str] = Field(default=None, max_length=64, examples=["27AAPFU0939F1ZV"])
    description: Nullable[str] = Field(default=None, max_length=2000)


class DateFormat(StrEnum):
    ISO = "YYYY-MM-DD"
    DAY_FIRST = "DD/MM/YYYY"
    MONTH_FIRST = "MM/DD/YYYY"
    DAY_FIRST_DOTS = "DD.MM.YYYY"
    DAY_FIRST_DASHES = "DD-MM-YYYY"


class WeekStart(StrEnum):
    MONDAY = "monday"
    SUNDAY = "sunday"
    SATURDAY = "saturday"


class BillingRateIn(InputModel):
    #: in minor units of the currency (cents, paise): 25000 is 250.00
    amount: int = Field(ge=0, le=100_000_000_00, examples=[25000])
    #: ISO 4217; left out: the organization's currency
    currency: Omittable[Currency] = None


class BillingRateOut(ApiModel):
    amount: int
    currency: str
    #: digits after the decimal point in this currency (`amount` / 10**minorUnits is the rate)
    minor_units: int


class SettingsChanges(InputModel):
    """The settings to change; those left out stay as they are, unknown ones are refused."""

    #: require MFA of every member at their next sign-in (only an administrator with MFA may turn it on)
    require_mfa: Omittable[bool] = None
    #: IANA zone the firm's dates and deadlines are in
    time_zone: Omittable[TimeZone] = None
    #: ISO 4217: what the firm bills in
    currency: Omittable[Currency] = None
    #: the hourly rate new time entries start from; null: none
    default_billing_rate: Nullable[BillingRateIn] = None
    date_format: Omittable[DateFormat] = None
    time_format: Omittable[Literal["24h", "12h"]] = None
    week_start: Omittable[WeekStart] = None
    #: BCP 47: the language of the firm's mail and documents
    language: Omittable[Language] = None
    #: the month (1-12) the firm's fiscal year starts in
    fiscal_year_start_month: Omittable[int] = Field(default=None, ge=1, le=12)


class OrganizationSettingsIn(InputModel):
    settings: SettingsChanges


class OrganizationSettings(ApiModel):
    require_mfa: bool
    time_zone: str
    currency: str
    default_billing_rate: BillingRateOut | None
    date_format: DateFormat
    time_format: Literal["24h", "12h"]
    week_start: WeekStart
    language: str
    fiscal_year_start_month: int


class OrganizationSettingsOut(ApiModel):
    organization_id: str
    settings: OrganizationSettings


class OrganizationOut(ApiModel):
    id: str
    name: str
    email: str
    slug: str
    phone: str | None
    website: str | None
    address: AddressOut | None
    logo_url: str | None
    tax_id: str | None
    description: str | None
    settings: OrganizationSettings
    created_at: str
    updated_at: str
    version: int


class Counts(ApiModel):
    total: int
    by_status: dict[str, int]


class MemberCounts(Counts):
    by_role: dict[str, int]


class ApiKeyCounts(ApiModel):
    active: int


class OrganizationStats(ApiModel):
    """Counts kept as the firm works (docket.data.tallies), never scanned."""

    organization_id: str
    members: MemberCounts
    feedback: Counts
    api_keys: ApiKeyCounts


class MembershipOut(ApiModel):
    """One of the caller's organizations."""

    id: str
    name: str
    slug: str
    #: the caller's role there (the first of `roles`)
    role: str | None
    roles: list[str]
    #: the organization the request acts in
    current: bool


class MembershipList(ApiModel):
    organizations: list[MembershipOut]
    pagination: Pagination


class SwitchIn(InputModel):
    organization_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", examples=["org_01JD9R8M4W2Q7XH3ZK5V6B1N0T"]
    )


class SwitchedOrganization(ApiModel):
    """New tokens for the other organization (the session that asked has ended)."""

    access_token: str
    #: absent for a browser signed in with cookies: the new one is in the refresh cookie
    refresh_token: str | None
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: UserSummary
    organization: OrganizationSummary
    #: the organization requires MFA and the user has none: only enrolment works until it is on
    mfa_setup_required: bool = False


class SlugIn(InputModel):
    #: 3-48 lower-case letters, digits and single hyphens, starting with a letter or digit
    slug: str = Field(
        min_length=3, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", examples=["smith-and-partners"]
    )
