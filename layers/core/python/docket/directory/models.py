"""Request and response models of the directory group."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from docket.api.models import ApiModel, InputModel


class SettingsChanges(InputModel):
    """The settings to change; those left out stay as they are, unknown ones are refused."""

    #: require MFA of every member at their next sign-in (only an administrator with MFA may turn it on)
    require_mfa: bool | None = Field(default=None, strict=True)

    @field_validator("require_mfa", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be true or false (leave the setting out to keep it)")
        return value


class OrganizationSettingsIn(InputModel):
    settings: SettingsChanges


class OrganizationSettings(ApiModel):
    require_mfa: bool


class OrganizationSettingsOut(ApiModel):
    organization_id: str
    settings: OrganizationSettings
