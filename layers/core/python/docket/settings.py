"""Typed settings, read and validated once per cold start from the environment.

The field aliases *are* the environment variable names: the CDK app and the local emulator build
each function's environment from `Settings.environment(...)`, so a name is never spelled twice.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TrustedIssuer(BaseModel):
    """An external token issuer (a Cognito user pool) whose access tokens the authorizer accepts."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    issuer: str = Field(min_length=8)
    client_ids: tuple[str, ...] = Field(alias="clientIds", min_length=1)
    #: defaults to `{issuer}/.well-known/jwks.json` (moto serves Cognito's keys elsewhere)
    jwks_url: str | None = Field(default=None, alias="jwksUrl")

    @property
    def keys_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"


class OidcProvider(BaseModel):
    """An OpenID Connect provider users may sign in with (`POST /auth/login {"provider": name}`)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    issuer: str = Field(min_length=8)
    client_id: str = Field(alias="clientId", min_length=1)
    #: Secrets Manager id of the client secret; none for a public client (PKCE alone)
    client_secret_id: str | None = Field(default=None, alias="clientSecretId")
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    #: defaults to `{issuer}/.well-known/openid-configuration`
    discovery_url: str | None = Field(default=None, alias="discoveryUrl")
    #: where the provider sends the browser back; defaults to this API's `/auth/callback`
    redirect_uri: str | None = Field(default=None, alias="redirectUri")

    @property
    def configuration_url(self) -> str:
        return self.discovery_url or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    table_name: str = Field(alias="DOCKET_TABLE_NAME", min_length=3)
    documents_bucket: str = Field(alias="DOCKET_DOCUMENTS_BUCKET", min_length=3)
    event_bus_name: str = Field(alias="DOCKET_EVENT_BUS_NAME", min_length=1)
    signing_key_secret_id: str = Field(alias="DOCKET_SIGNING_KEY_SECRET_ID", min_length=1)
    app_secret_id: str = Field(alias="DOCKET_APP_SECRET_ID", min_length=1)
    token_issuer: str = Field(alias="DOCKET_TOKEN_ISSUER", min_length=1)
    #: `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` on AWS; the emulator's URL locally.
    websocket_endpoint: str = Field(alias="DOCKET_WEBSOCKET_ENDPOINT", min_length=1)
    mail_sender: str = Field(alias="DOCKET_MAIL_SENDER", min_length=3)
    cors_origins: tuple[str, ...] = Field(alias="DOCKET_CORS_ORIGINS", default=("*",))
    rate_limits_enabled: bool = Field(alias="DOCKET_RATE_LIMITS_ENABLED", default=True)
    #: Seconds an `Idempotency-Key` is remembered.
    idempotency_ttl_s: int = Field(alias="DOCKET_IDEMPOTENCY_TTL_SECONDS", default=86_400, ge=60)

    #: JSON list of `{"issuer", "clientIds", "jwksUrl"?}`
    trusted_issuers: tuple[TrustedIssuer, ...] = Field(alias="DOCKET_TRUSTED_ISSUERS", default=())
    #: JSON list of `{"name", "issuer", "clientId", "clientSecretId"?, "scopes"?, "discoveryUrl"?,
    #: "redirectUri"?}`
    oidc_providers: tuple[OidcProvider, ...] = Field(alias="DOCKET_OIDC_PROVIDERS", default=())

    @field_validator("trusted_issuers", "oidc_providers", mode="before")
    @classmethod
    def _parse_json_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else ()
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(o.strip() for o in value.split(",") if o.strip())
        return value

    @classmethod
    def variable_names(cls) -> dict[str, str]:
        """Field name → environment variable name."""
        return {name: str(info.alias) for name, info in cls.model_fields.items()}

    @classmethod
    def environment(cls, **values: Any) -> dict[str, str]:
        """Environment variables for a function, from field names (validates the values)."""
        names = cls.variable_names()
        unknown = set(values) - set(names)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        env: dict[str, str] = {}
        for field_name, value in values.items():
            if isinstance(value, bool):
                env[names[field_name]] = "true" if value else "false"
            elif field_name in ("trusted_issuers", "oidc_providers"):
                env[names[field_name]] = json.dumps(
                    [
                        i.model_dump(by_alias=True, exclude_none=True) if isinstance(i, BaseModel) else i
                        for i in value
                    ]
                )
            elif isinstance(value, (tuple, list)):
                env[names[field_name]] = ",".join(value)
            else:
                env[names[field_name]] = str(value)
        return env


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; read on first use (cold start), never at import time."""
    import os

    return Settings.model_validate(dict(os.environ))


def reset_settings() -> None:
    """Forget the cached settings (tests and the emulator change the environment)."""
    get_settings.cache_clear()
