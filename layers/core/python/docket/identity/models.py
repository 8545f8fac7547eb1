"""Request and response models of the auth group."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination

#: An address mail can be sent to: no whitespace, no control characters (C0, DEL, C1: Python's mail
#: headers read \x1c-\x1e and \x85 as line breaks) and none of the specials that make an address
#: parse as a display name or a group (`<>()[]\\,;:"`); SES refuses those, which was a 500.
_ADDRESS_CHAR = r'[^@\s\x00-\x1f\x7f-\x9f<>()\[\]\\,;:"]'
EMAIL_PATTERN = rf"^{_ADDRESS_CHAR}{{1,64}}@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}{{2,}}$"
Email = Field(pattern=EMAIL_PATTERN, max_length=254, examples=["john@acme.example"])


class RegisterIn(InputModel):
    organization_name: str = Field(min_length=1, max_length=200, examples=["Acme Law LLP"])
    organization_email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class Registration(ApiModel):
    user_id: str
    organization_id: str


class LoginIn(InputModel):
    """Email and password (seed 000), or `{provider}` to start an OpenID Connect sign-in (seed 002)."""

    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    password: Omittable[str] = Field(default=None, min_length=1, max_length=256)
    #: the organization to act in; left out or null: the user's only (or first) organization
    organization_id: Nullable[str] = Field(default=None, max_length=64)
    provider: Omittable[str] = Field(default=None, min_length=1, max_length=32, examples=["google"])

    @model_validator(mode="after")
    def _one_way_in(self) -> LoginIn:
        if self.provider is not None:
            if self.email is not None or self.password is not None:
                raise ValueError("send either provider, or email and password, not both")
        elif self.email is None or self.password is None:
            raise ValueError("email and password are required (or provider, for single sign-on)")
        return self


class OidcLoginStarted(ApiModel):
    #: send the browser here; the provider returns it to `GET /auth/callback`
    redirect_url: str
    provider: str


class VerifyMfaIn(InputModel):
    """The challenge's `mfaToken` (any sign-in), or seed 001's email and password again."""

    mfa_code: str = Field(min_length=6, max_length=32)
    mfa_token: Omittable[str] = Field(default=None, min_length=1, max_length=1024)
    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    password: Omittable[str] = Field(default=None, min_length=1, max_length=256)
    organization_id: Nullable[str] = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _who(self) -> VerifyMfaIn:
        if self.mfa_token is None and (self.email is None or self.password is None):
            raise ValueError("mfaToken (from the login answer), or email and password, are required")
        return self


class MfaChallenge(ApiModel):
    mfa_required: Literal[True] = True
    #: valid five minutes: `POST /auth/verify-mfa {mfaToken, mfaCode}`
    mfa_token: str
    methods: list[str] = Field(default_factory=lambda: ["totp", "backup_code"])
    next: str = "POST /auth/verify-mfa with mfaToken and mfaCode"


class CodeIn(InputModel):
    code: str = Field(min_length=6, max_length=32)


class MfaStatus(ApiModel):
    enabled: bool
    required_by_organization: bool
    backup_codes_remaining: int


class MfaEnrollment(ApiModel):
    secret: str
    otpauth_url: str
    qr_code: str


class BackupCodes(ApiModel):
    backup_codes: list[str]


PERMISSION_PATTERN = r"^(\*|[a-z][a-z_-]{0,40}:(\*|[a-z][a-z_-]{0,40}))$"


class ApiKeyIn(InputModel):
    name: str = Field(min_length=1, max_length=100, examples=["Billing export"])
    permissions: list[str] = Field(min_length=1, max_length=50, examples=[["feedback:read"]])

    @model_validator(mode="after")
    def _permission_names(self) -> ApiKeyIn:
        import re

        bad = [p for p in self.permissions if not re.match(PERMISSION_PATTERN, p)]
        if bad:
            raise ValueError(f"permissions must be resource:action, not {bad}")
        return self


class ApiKeyOut(ApiModel):
    id: str
    name: str
    prefix: str
    permissions: list[str]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class ApiKeyCreated(ApiKeyOut):
    #: the full key: shown this once, stored only as a hash
    key: str


class ApiKeyList(ApiModel):
    api_keys: list[ApiKeyOut]
    pagination: Pagination


class SessionOut(ApiModel):
    id: str
    #: the organization the session acts in (a user's sessions span their organizations)
    organization_id: str
    #: the User-Agent it signed in with
    device: str | None
    ip: str | None
    created_at: str
    last_used_at: str
    expires_at: str
    status: Literal["active", "revoked", "expired"]
    #: the session of the token making this request
    current: bool
    revoked_at: str | None = None
    revoked_reason: str | None = None


class SessionList(ApiModel):
    sessions: list[SessionOut]
    pagination: Pagination


class SessionsRevoked(ApiModel):
    #: how many sessions ended
    revoked: int


class RefreshIn(InputModel):
    #: omitted by a browser signed in with cookies (the refresh cookie is used, with X-CSRF-Token)
    refresh_token: Omittable[str] = Field(default=None, min_length=1, max_length=512)


class CsrfToken(ApiModel):
    #: send as `X-CSRF-Token` on cookie-authenticated writes; bound to the session
    csrf_token: str


class EmailIn(InputModel):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)


class ResetPasswordIn(InputModel):
    token: str = Field(min_length=1, max_length=512)
    #: seed 000 calls it `password`, seed 001 `new_password`; either is accepted
    password: Omittable[str] = Field(default=None, max_length=256)
    new_password: Omittable[str] = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _one_password(self) -> ResetPasswordIn:
        if not (self.password or self.new_password):
            raise ValueError("newPassword is required")
        return self

    @property
    def chosen(self) -> str:
        return str(self.new_password or self.password)


class ChangePasswordIn(InputModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserSummary(ApiModel):
    id: str
    email: str
    name: str
    first_name: str
    last_name: str
    role: str | None
    roles: list[str]
    permissions: list[str]
    email_verified: bool


class OrganizationSummary(ApiModel):
    id: str
    name: str
    slug: str


class SessionTokens(ApiModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: UserSummary
    organization: OrganizationSummary
    #: the organization requires MFA and the user has none: only enrolment works until it is on
    mfa_setup_required: bool = False


class BrowserSignIn(ApiModel):
    """Seed 002's callback answer. The tokens are also set as HttpOnly cookies; the refresh
    token travels only there, out of scripts' reach."""

    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    csrf_token: str
    user: UserSummary
    organization: OrganizationSummary
    mfa_setup_required: bool = False


class RefreshedTokens(ApiModel):
    access_token: str
    #: absent when refreshed by cookie: the new one is in the cookie
    refresh_token: str | None
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class Done(ApiModel):
    done: bool = True


class OAuthToken(ApiModel):
    """RFC 6749 §5.1 (snake_case on the wire, as the RFC says)."""

    access_token: str = Field(serialization_alias="access_token")
    token_type: Literal["bearer"] = Field(default="bearer", serialization_alias="token_type")
    expires_in: int = Field(serialization_alias="expires_in")
    refresh_token: str = Field(serialization_alias="refresh_token")


class OAuthError(ApiModel):
    """RFC 6749 §5.2."""

    error: Literal["invalid_request", "invalid_grant", "unsupported_grant_type", "invalid_client"]
    error_description: str = Field(serialization_alias="error_description")


class SimpleJwtIn(InputModel):
    """Seed 003's `/token` (Django REST framework SimpleJWT shape)."""

    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class SimpleJwtRefreshIn(InputModel):
    refresh: str = Field(min_length=1, max_length=512)


class SimpleJwtPair(ApiModel):
    access: str
    refresh: str
