"""Auth group: sign-up, login, tokens (Docket's and the seeds' protocol shapes), email and passwords."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query
from aws_lambda_powertools.shared.cookies import Cookie

from docket.api.deps import CurrentPrincipal, current_origin
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.data.audit import AuditContext
from docket.errors import AuthenticationFailed, InvalidCsrfToken, ValidationFailed
from docket.identity import accounts, apikeys, mfa, oauth, oidc, present, sessions
from docket.identity.models import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyList,
    ApiKeyOut,
    BackupCodes,
    BrowserSignIn,
    ChangePasswordIn,
    CodeIn,
    CsrfToken,
    Done,
    EmailIn,
    LoginIn,
    MfaChallenge,
    MfaEnrollment,
    MfaStatus,
    OAuthError,
    OAuthToken,
    OidcLoginStarted,
    RefreshedTokens,
    RefreshIn,
    RegisterIn,
    Registration,
    ResetPasswordIn,
    SessionList,
    SessionOut,
    SessionsRevoked,
    SessionTokens,
    SimpleJwtIn,
    SimpleJwtPair,
    SimpleJwtRefreshIn,
    VerifyMfaIn,
)
from docket.security import browser
from docket.security.authorizer import principal_from_token
from docket.security.keys import JWKS_MAX_AGE_S, load_key_set
from docket.settings import get_settings

router = Router()
TAGS = ["auth"]


def _client() -> tuple[str | None, str | None]:
    event = router.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return headers.get("user-agent"), event.request_context.identity.source_ip


def _cookie(name: str) -> str | None:
    return browser.read_cookie(router.current_event.headers, name)


def _login_message(found: accounts.LoggedIn) -> str | None:
    if found.mfa_setup_required:
        return "Your organization requires MFA: set it up now (POST /mfa/setup/initialize)"
    return None


def _session_cookies(tokens: sessions.Tokens) -> list[Cookie]:
    return browser.session_cookies(
        tokens.access_token,
        tokens.refresh_token,
        access_ttl_s=tokens.expires_in,
        refresh_ttl_s=int(sessions.REFRESH_LIFETIME.total_seconds()),
    )


@router.post(
    "/auth/organization/register", status_code=201, summary="Register a firm and its owner", tags=TAGS
)
def register(body: RegisterIn) -> Response[Ok[Registration]]:
    done = accounts.register(**body.model_dump(by_alias=False), origin=current_origin())
    data = Registration(user_id=done.user.id, organization_id=done.organization.id)
    return ok(data, status=201, message="Organization registered successfully; check your email to verify it")


@router.get("/auth/verify-email", summary="Verify an email address", tags=TAGS)
def verify_email(token: Annotated[str, Query(min_length=1, max_length=512)]) -> Ok[Done]:
    accounts.verify_email(token)
    return Ok(data=Done(), message="Email verified")


@router.post(
    "/auth/resend-verification", status_code=202, summary="Send the verification mail again", tags=TAGS
)
def resend_verification(body: EmailIn) -> Response[Ok[Done]]:
    accounts.resend_verification(body.email)
    return ok(Done(), status=202, message="If the address needs verifying, a mail is on its way")


@router.post(
    "/auth/login",
    summary="Log in with email and password, or start single sign-on with {provider}",
    tags=TAGS,
)
def login(body: LoginIn) -> Response[Ok[SessionTokens | MfaChallenge | OidcLoginStarted]]:
    if body.provider is not None:
        started = oidc.start(body.provider, organization_id=body.organization_id)
        binding = browser.cookie(
            browser.OIDC_COOKIE, started.browser_binding, max_age=int(oidc.ATTEMPT_LIFETIME.total_seconds())
        )
        data = OidcLoginStarted(redirect_url=started.redirect_url, provider=body.provider)
        return ok(data, message="Send the browser to redirectUrl", cookies=[binding])
    device, ip = _client()
    try:
        found = accounts.login(
            str(body.email),
            str(body.password),
            organization_id=body.organization_id,
            device=device,
            ip=ip,
            origin=current_origin(),
        )
    except accounts.MfaRequired as exc:
        return ok(MfaChallenge(mfa_token=exc.challenge), message="Enter the code from your authenticator app")
    return ok(present.session_tokens(found), message=_login_message(found))


@router.get("/auth/callback", summary="Finish single sign-on: the provider sends the browser here", tags=TAGS)
def oidc_callback(
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    error_description: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response[Ok[BrowserSignIn | MfaChallenge]]:
    if error:
        raise AuthenticationFailed(
            f"The sign-in provider answered {error}: {error_description or 'no reason'}"
        )
    if not code or not state:
        missing = [name for name, value in (("code", code), ("state", state)) if not value]
        raise ValidationFailed(
            "The provider's answer is incomplete",
            details=[{"field": f, "message": "required"} for f in missing],
        )
    identity = oidc.finish(state=state, code=code, browser_binding=_cookie(browser.OIDC_COOKIE))
    device, ip = _client()
    spent = browser.cleared_cookies(browser.OIDC_COOKIE)
    try:
        found = oidc.sign_in(identity, device=device, ip=ip, origin=current_origin())
    except accounts.MfaRequired as exc:
        challenge = MfaChallenge(mfa_token=exc.challenge)
        return ok(challenge, message="Enter the code from your authenticator app", cookies=spent)
    data = BrowserSignIn(
        token=found.tokens.access_token,
        expires_in=found.tokens.expires_in,
        csrf_token=browser.csrf_token(found.tokens.session_id),
        user=present.user_summary(found),
        organization=present.organization_summary(found),
        mfa_setup_required=found.mfa_setup_required,
    )
    return ok(data, message=_login_message(found), cookies=[*spent, *_session_cookies(found.tokens)])


@router.get("/auth/csrf", summary="A CSRF token for cookie-authenticated writes", tags=TAGS)
def csrf() -> Response[Ok[CsrfToken]]:
    session_id = None
    cookie = _cookie(browser.ACCESS_COOKIE)
    if cookie:
        try:
            session_id = principal_from_token(cookie).session_id
        except AuthenticationFailed:
            session_id = None
    response = ok(CsrfToken(csrf_token=browser.csrf_token(session_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/auth/verify-mfa", summary="Complete a login with a TOTP or backup code", tags=TAGS)
def verify_mfa(body: VerifyMfaIn) -> Response[Ok[SessionTokens]]:
    device, ip = _client()
    if body.mfa_token is not None:
        found = accounts.complete_mfa(
            body.mfa_token, body.mfa_code, device=device, ip=ip, origin=current_origin()
        )
    else:
        found = accounts.login(
            str(body.email),
            str(body.password),
            organization_id=body.organization_id,
            mfa_code=body.mfa_code,
            device=device,
            ip=ip,
            origin=current_origin(),
        )
    return ok(present.session_tokens(found), message=_login_message(found))


# --- MFA management -------------------------------------------------------------------------


@router.get("/mfa/check", summary="MFA status of the caller", tags=["mfa"])
def mfa_check(principal: CurrentPrincipal) -> Ok[MfaStatus]:
    user = accounts.get_user(principal.user_id)
    organization = accounts.get_organization(principal.org_id)
    return Ok(
        data=MfaStatus(
            enabled=bool(user.mfa_enabled),
            required_by_organization=bool(organization.require_mfa),
            backup_codes_remaining=mfa.remaining_backup_codes(user),
        )
    )


@router.post("/mfa/setup/initialize", summary="Start enrolling an authenticator app", tags=["mfa"])
def mfa_initialize(principal: CurrentPrincipal) -> Ok[MfaEnrollment]:
    enrollment = mfa.initialize(principal.user_id)
    return Ok(
        data=MfaEnrollment(
            secret=enrollment.secret, otpauth_url=enrollment.otpauth_url, qr_code=enrollment.qr_code
        )
    )


@router.post(
    "/mfa/setup/verify", summary="Enable MFA with a first code; returns backup codes once", tags=["mfa"]
)
def mfa_verify_setup(principal: CurrentPrincipal, body: CodeIn) -> Ok[BackupCodes]:
    codes = mfa.confirm(
        principal.user_id, body.code, session_id=principal.session_id, context=AuditContext.of(principal)
    )
    return Ok(data=BackupCodes(backup_codes=codes), message="MFA enabled; store the backup codes safely")


@router.get(
    "/mfa/backup-codes", summary="How many backup codes are left (codes are stored hashed)", tags=["mfa"]
)
def mfa_backup_codes(principal: CurrentPrincipal) -> Ok[MfaStatus]:
    return mfa_check(principal)


@router.post(
    "/mfa/backup-codes/regenerate",
    summary="New backup codes (old ones stop working)",
    description=(
        "No body is needed within a few minutes of this session completing MFA; otherwise the answer is "
        '403 `MFA_STEP_UP_REQUIRED`, and the request may carry a current code: `{"code": "123456"}`.'
    ),
    tags=["mfa"],
)
def mfa_regenerate(principal: CurrentPrincipal, body: CodeIn | None = None) -> Ok[BackupCodes]:
    codes = mfa.regenerate_backup_codes(principal, body.code if body is not None else None)
    return Ok(data=BackupCodes(backup_codes=codes))


@router.delete("/mfa/disable", summary="Disable MFA (a current code is required)", tags=["mfa"])
def mfa_disable(principal: CurrentPrincipal, body: CodeIn) -> Ok[Done]:
    mfa.disable(principal.user_id, body.code, context=AuditContext.of(principal))
    return Ok(data=Done(), message="MFA disabled")


@router.post(
    "/auth/refresh",
    summary="Exchange a refresh token (rotates it); a browser's cookie works too, with X-CSRF-Token",
    tags=TAGS,
)
def refresh(body: RefreshIn) -> Response[Ok[RefreshedTokens]]:
    ip = _client()[1]
    if body.refresh_token is not None:
        tokens = sessions.rotate(body.refresh_token, ip=ip)
        data = RefreshedTokens(
            access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
        )
        return ok(data)
    from_cookie = _cookie(browser.REFRESH_COOKIE)
    if from_cookie is None:
        raise ValidationFailed(
            "refreshToken is required", details=[{"field": "refreshToken", "message": "required"}]
        )
    # the cookie is sent whatever page caused the request: prove it is the app's own page
    presented = browser.header(router.current_event.headers, browser.CSRF_HEADER)
    if not browser.csrf_valid(presented, sessions.session_of(from_cookie)):
        raise InvalidCsrfToken()
    tokens = sessions.rotate(from_cookie, ip=ip)
    data = RefreshedTokens(access_token=tokens.access_token, refresh_token=None, expires_in=tokens.expires_in)
    return ok(data, cookies=_session_cookies(tokens))


@router.post("/auth/logout", summary="End this session", tags=TAGS)
def logout(principal: CurrentPrincipal) -> Response[Ok[Done]]:
    accounts.logout(principal)
    return ok(Done(), message="Logged out successfully", cookies=browser.cleared_cookies())


# --- the caller's own sessions --------------------------------------------------------------

SessionId = Annotated[str, Path(min_length=3, max_length=64, description="Session id (`ses_…`)")]
SessionStatus = Annotated[
    Literal["active", "all"],
    Query(description="`active` (the default): live sessions only; `all`: revoked and expired ones too"),
]


def _session_out(item: sessions.Session, current: str) -> SessionOut:
    return SessionOut(
        id=item.session_id,
        organization_id=item.org_id,
        device=item.device,
        ip=item.ip,
        created_at=item.created_at,
        last_used_at=item.last_used_at,
        expires_at=item.expires_at,
        status=sessions.status_of(item),
        current=item.session_id == current,
        revoked_at=item.revoked_at,
        revoked_reason=item.revoked_reason,
    )


@router.get("/auth/sessions", summary="Your sessions in every organization, newest first", tags=["sessions"])
def list_sessions(
    principal: CurrentPrincipal,
    status: SessionStatus = "active",
    limit: Limit = None,
    cursor: Cursor = None,
    page: PageNumber = None,
) -> Ok[SessionList]:
    request = page_request(limit=limit, cursor=cursor, page=page)
    found = accounts.list_sessions(principal, request, include_inactive=status == "all")
    items = [_session_out(item, principal.session_id) for item in found.items]
    return Ok(data=SessionList(sessions=items, pagination=found.pagination))


@router.post(
    "/auth/sessions/revoke-others", summary="End every session of yours but this one", tags=["sessions"]
)
def revoke_other_sessions(principal: CurrentPrincipal) -> Ok[SessionsRevoked]:
    count = accounts.revoke_other_sessions(principal)
    return Ok(data=SessionsRevoked(revoked=count), message=f"{count} other session(s) ended")


@router.delete(
    "/auth/sessions/<sessionId>",
    summary="End one of your sessions (ending this one logs you out)",
    tags=["sessions"],
)
def revoke_session(principal: CurrentPrincipal, sessionId: SessionId) -> Response[Ok[SessionOut]]:
    out = _session_out(accounts.revoke_session(principal, sessionId), principal.session_id)
    if out.current:
        return ok(out, message="Logged out successfully", cookies=browser.cleared_cookies())
    return ok(out, message="Session ended")


@router.post("/auth/forgot-password", status_code=202, summary="Mail a password reset code", tags=TAGS)
def forgot_password(body: EmailIn) -> Response[Ok[Done]]:
    accounts.forgot_password(body.email)
    return ok(Done(), status=202, message="If an account exists for this address, a reset mail is on its way")


@router.post("/auth/reset-password", summary="Choose a new password with a reset code", tags=TAGS)
def reset_password(body: ResetPasswordIn) -> Ok[Done]:
    accounts.reset_password(body.token, body.chosen, origin=current_origin())
    return Ok(data=Done(), message="Password changed; log in again")


@router.post("/auth/change-password", summary="Change your password (other sessions end)", tags=TAGS)
def change_password(principal: CurrentPrincipal, body: ChangePasswordIn) -> Ok[Done]:
    accounts.change_password(principal, body.current_password, body.new_password)
    return Ok(data=Done(), message="Password changed")


# --- API keys --------------------------------------------------------------------------------

KeyId = Annotated[str, Path(min_length=3, max_length=64, description="API key id (`key_…`)")]


def _key_out(item: apikeys.ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=item.id,
        name=item.name,
        prefix=item.prefix,
        permissions=[str(p) for p in item.permissions or ()],
        created_at=item.created_at,
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
    )


@router.post("/auth/api-keys", status_code=201, summary="Create an API key (shown once)", tags=["api-keys"])
def create_api_key(principal: CurrentPrincipal, body: ApiKeyIn) -> Response[Ok[ApiKeyCreated]]:
    item, full = apikeys.create(principal, body.name, body.permissions)
    created = ApiKeyCreated(**_key_out(item).model_dump(by_alias=False), key=full)
    return ok(created, status=201, location=f"/auth/api-keys/{item.id}", message="Store the key now")


@router.get("/auth/api-keys", summary="List API keys (prefix only)", tags=["api-keys"])
def list_api_keys(
    principal: CurrentPrincipal, limit: Limit = None, cursor: Cursor = None, page: PageNumber = None
) -> Ok[ApiKeyList]:
    found = apikeys.list_keys(principal, page_request(limit=limit, cursor=cursor, page=page))
    return Ok(data=ApiKeyList(api_keys=[_key_out(k) for k in found.items], pagination=found.pagination))


@router.delete("/auth/api-keys/<keyId>", summary="Revoke an API key", tags=["api-keys"])
def revoke_api_key(principal: CurrentPrincipal, keyId: KeyId) -> Ok[ApiKeyOut]:
    return Ok(data=_key_out(apikeys.revoke(principal, keyId)))


# --- protocol endpoints: their protocol's shape, not the envelope -----------------------------


def _oauth_error(error: str, description: str, status: int = 400) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body={"error": error, "error_description": description},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@router.post(
    "/auth/token",
    summary="OAuth 2.0 token endpoint (password and refresh_token grants)",
    tags=TAGS,
    responses={
        200: {
            "description": "RFC 6749 §5.1 token response",
            "content": {"application/json": {"model": OAuthToken}},
        },
        400: {
            "description": "RFC 6749 §5.2 error response",
            "content": {"application/json": {"model": OAuthError}},
        },
    },
)
def oauth_token(
    grant_type: Annotated[
        str,
        Form(
            max_length=64,
            description="`password` (also when left out, as OAuth2 password-form clients do) or `refresh_token`",
            json_schema_extra={"enum": list(oauth.GRANT_TYPES)},
        ),
    ] = oauth.DEFAULT_GRANT_TYPE,
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
    scope: Annotated[str | None, Form(max_length=1024)] = None,
) -> Response[Any]:
    device, ip = _client()
    sent = _form_as_sent()
    try:
        tokens = oauth.token(
            grant_type,
            username=username,
            password=password,
            refresh_token=refresh_token,
            form_encoded=sent is not None,
            repeated=sorted(name for name, values in (sent or {}).items() if len(values) > 1),
            device=device,
            ip=ip,
            origin=current_origin(),
        )
    except oauth.GrantRefused as exc:
        return _oauth_error(exc.error, exc.description)
    body = OAuthToken(
        access_token=tokens.access_token, expires_in=tokens.expires_in, refresh_token=tokens.refresh_token
    )
    return Response(
        status_code=200,
        content_type="application/json",
        body=body.model_dump(by_alias=True),
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _form_as_sent() -> dict[str, list[str]] | None:
    """Every value of every form parameter (validation keeps only the first of a repeated one), or
    None when the body is not `application/x-www-form-urlencoded`."""
    event = router.current_event
    content_type = (browser.header(event.headers, "content-type") or "").strip().lower()
    if not content_type.startswith(oauth.FORM_CONTENT_TYPE):
        return None
    return parse_qs(event.decoded_body or "", keep_blank_values=True)


def _oauth_request_refused(details: list[dict[str, Any]]) -> Response[Any]:
    refused = oauth.request_refused(details)
    return _oauth_error(refused.error, refused.description)


@router.post("/token", summary="Token pair (seed 003's SimpleJWT client)", tags=TAGS)
def simplejwt_token(body: SimpleJwtIn) -> SimpleJwtPair:
    device, ip = _client()
    try:
        tokens = accounts.login(
            body.username, body.password, device=device, ip=ip, origin=current_origin()
        ).tokens
    except accounts.MfaRequired as exc:
        raise AuthenticationFailed("This account uses MFA; log in with POST /auth/login") from exc
    return SimpleJwtPair(access=tokens.access_token, refresh=tokens.refresh_token)


@router.post("/token/refresh", summary="Refresh a SimpleJWT token pair", tags=TAGS)
def simplejwt_refresh(body: SimpleJwtRefreshIn) -> SimpleJwtPair:
    tokens = sessions.rotate(body.refresh, ip=_client()[1])
    return SimpleJwtPair(access=tokens.access_token, refresh=tokens.refresh_token)


@router.get("/.well-known/jwks.json", summary="Public keys of Docket's token signing keys", tags=TAGS)
def jwks() -> Response[Any]:
    published = load_key_set(get_settings().signing_key_secret_id).jwks()
    return Response(
        status_code=200,
        content_type="application/json",
        body=published,
        headers={"Cache-Control": f"max-age={JWKS_MAX_AGE_S}"},
    )


app = build_app("auth", [router], protocol_errors={"/auth/token": _oauth_request_refused})
handler = make_handler(app)
