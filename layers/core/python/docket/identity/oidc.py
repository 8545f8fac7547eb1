"""Sign-in with an OpenID Connect provider: authorization code flow with PKCE (RFC 7636).

`start` stores the attempt (state, nonce, code verifier; single use, ten minutes) and answers the
provider's authorization URL plus a browser binding the caller sets as a cookie; `finish` takes the
provider's `code` and `state` back with that binding, exchanges the code at the provider's token
endpoint, verifies the ID token (signature from the provider's JWKS, `iss`, `aud`, `exp`, `nonce`)
and returns who signed in. `sign_in` maps that identity to a Docket user: through an existing link
of `(issuer, sub)`, else by the provider-verified email (creating the link). Federated sign-in
never creates accounts: a firm's members are invited by the firm.

Access pattern (docs/access-patterns.md): attempt pk = OIDC#<sha256(state)>, sk = ATTEMPT (TTL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError

from docket import clock
from docket.data.models import TableItem
from docket.errors import AuthenticationFailed, Forbidden, ServiceUnavailable, ValidationFailed
from docket.identity import accounts, links
from docket.observability import logger
from docket.security.principal import Origin
from docket.security.secrets import secret_string
from docket.settings import OidcProvider, get_settings

ATTEMPT_LIFETIME = timedelta(minutes=10)
_HTTP_TIMEOUT_S = 5
_LEEWAY_S = 60
_ID_TOKEN_ALGORITHMS = ["RS256", "ES256"]


class OidcAttempt(TableItem, discriminator="oidc_attempt"):
    provider = UnicodeAttribute()
    code_verifier = UnicodeAttribute()
    nonce = UnicodeAttribute()
    redirect_uri = UnicodeAttribute()
    browser_hash = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    organization_id = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class Started:
    redirect_url: str
    #: set as a cookie on the browser; `finish` requires it back (a link sent to a victim fails)
    browser_binding: str


@dataclass(frozen=True)
class Identity:
    provider: str
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    #: the organization the sign-in asked for (else the user's default)
    organization_id: str | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def provider(name: str) -> OidcProvider:
    configured = get_settings().oidc_providers
    for candidate in configured:
        if candidate.name == name:
            return candidate
    names = ", ".join(p.name for p in configured) or "none configured"
    raise ValidationFailed(
        "Unknown sign-in provider", details=[{"field": "provider", "message": f"one of: {names}"}]
    )


def _fetch_json(url: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    """GET (or POST `form` to) a provider endpoint; an OAuth error body is returned, not raised."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise ServiceUnavailable("The sign-in provider's endpoint is not a web URL")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=urllib.parse.urlencode(form).encode() if form is not None else None,
        headers={"Accept": "application/json"}
        | ({"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}),
        method="POST" if form is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT_S) as reply:  # noqa: S310 (checked)
            body = json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read())
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("error"):
            return body
        logger.warning("identity provider refused", extra={"status": exc.code})
        raise ServiceUnavailable("The sign-in provider is not answering; try again") from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        logger.warning("identity provider unreachable", extra={"error": str(exc)})
        raise ServiceUnavailable("The sign-in provider is not answering; try again") from exc
    if not isinstance(body, dict):
        raise ServiceUnavailable("The sign-in provider answered nonsense")
    return body


@lru_cache(maxsize=16)
def _configuration(url: str) -> dict[str, Any]:
    """The provider's discovery document (cached for the container's life: it rarely changes)."""
    found = _fetch_json(url)
    for required in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(found.get(required), str):
            raise ServiceUnavailable("The sign-in provider's configuration is incomplete")
    return found


@lru_cache(maxsize=16)
def _keys(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=_HTTP_TIMEOUT_S)


def _redirect_uri(chosen: OidcProvider) -> str:
    return chosen.redirect_uri or f"{get_settings().token_issuer.rstrip('/')}/auth/callback"


def start(provider_name: str, *, organization_id: str | None = None) -> Started:
    chosen = provider(provider_name)
    configuration = _configuration(chosen.configuration_url)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier, binding = secrets.token_urlsafe(64), secrets.token_urlsafe(32)
    redirect_uri = _redirect_uri(chosen)
    OidcAttempt(
        pk=f"OIDC#{_digest(state)}",
        sk="ATTEMPT",
        provider=chosen.name,
        code_verifier=verifier,
        nonce=nonce,
        redirect_uri=redirect_uri,
        browser_hash=_digest(binding),
        expires_at=clock.iso(clock.now() + ATTEMPT_LIFETIME),
        organization_id=organization_id,
        ttl=ATTEMPT_LIFETIME + timedelta(hours=1),
    ).save()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": chosen.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(chosen.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
    )
    endpoint = str(configuration["authorization_endpoint"])
    separator = "&" if "?" in endpoint else "?"
    return Started(redirect_url=f"{endpoint}{separator}{query}", browser_binding=binding)


def _invalid_state() -> ValidationFailed:
    return ValidationFailed(
        "This sign-in link is invalid, used or expired; start again",
        details=[{"field": "state", "message": "invalid, used or expired"}],
    )


def _take_attempt(state: str) -> OidcAttempt:
    """The attempt for `state`, deleted so it cannot be used twice (even concurrently)."""
    try:
        attempt = OidcAttempt.get(f"OIDC#{_digest(state)}", "ATTEMPT", consistent_read=True)
        attempt.delete(condition=OidcAttempt.pk.exists())
    except (OidcAttempt.DoesNotExist, DeleteError) as exc:
        raise _invalid_state() from exc
    if attempt.expires_at < clock.iso():
        raise _invalid_state()
    return attempt


def finish(*, state: str, code: str, browser_binding: str | None) -> Identity:
    attempt = _take_attempt(state)
    if not browser_binding or not hmac.compare_digest(_digest(browser_binding), attempt.browser_hash):
        raise _invalid_state()
    chosen = provider(attempt.provider)
    configuration = _configuration(chosen.configuration_url)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": attempt.redirect_uri,
        "client_id": chosen.client_id,
        "code_verifier": attempt.code_verifier,
    }
    if chosen.client_secret_id:
        form["client_secret"] = secret_string(chosen.client_secret_id)
    answer = _fetch_json(str(configuration["token_endpoint"]), form)
    id_token = answer.get("id_token")
    if answer.get("error") or not isinstance(id_token, str):
        logger.info("code exchange refused", extra={"error": answer.get("error")})
        raise AuthenticationFailed("The sign-in provider did not accept the sign-in; start again")
    claims = _verify_id_token(id_token, chosen, str(configuration["jwks_uri"]), attempt.nonce)
    email = claims.get("email")
    return Identity(
        provider=chosen.name,
        issuer=chosen.issuer,
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        organization_id=attempt.organization_id,
    )


def _verify_id_token(token: str, chosen: OidcProvider, jwks_uri: str, nonce: str) -> dict[str, Any]:
    refused = AuthenticationFailed("The sign-in provider's ID token is not valid")
    try:
        if jwt.get_unverified_header(token).get("alg") not in _ID_TOKEN_ALGORITHMS:
            raise refused
        key = _keys(jwks_uri).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=_ID_TOKEN_ALGORITHMS,
            audience=chosen.client_id,
            issuer=chosen.issuer,
            leeway=_LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "sub", "aud"]},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise refused from exc
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise refused
    # with several audiences the token must have been issued to us (OIDC Core §3.1.3.7)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != chosen.client_id:
        raise refused
    return claims


def user_for(identity: Identity) -> accounts.User:
    """The linked Docket user, else the one with the provider-verified email (then linked)."""
    linked = links.linked_user(identity.issuer, identity.subject)
    user = accounts.find_user(linked) if linked else None
    if user is None and linked is None and identity.email and identity.email_verified:
        user = accounts.find_user_by_email(identity.email)
        if user is not None:
            links.link(
                issuer=identity.issuer, subject=identity.subject, user_id=user.id, provider=identity.provider
            )
    if user is None or user.status != "active":
        raise Forbidden("No Docket account for this identity; ask your firm for an invitation")
    return user


def sign_in(
    identity: Identity, *, device: str | None = None, ip: str | None = None, origin: Origin | None = None
) -> accounts.LoggedIn:
    """A session for the identity's user; an account with MFA answers `MfaRequired` first."""
    user = user_for(identity)
    method = f"oidc:{identity.provider}"
    if user.mfa_enabled:
        raise accounts.mfa_required(user, identity.organization_id, method)
    return accounts.signed_in(
        user, organization_id=identity.organization_id, device=device, ip=ip, origin=origin, method=method
    )
