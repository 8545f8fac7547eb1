"""Request and response models of the directory group."""

from __future__ import annotations

from docket.api.models import ApiModel, InputModel, Omittable


class SettingsChanges(InputModel):
    """The settings to change; those left out stay as they are, unknown ones are refused."""

    #: require MFA of every member at their next sign-in (only an administrator with MFA may turn it on)
    require_mfa: Omittable[bool] = None


class OrganizationSettingsIn(InputModel):
    settings: SettingsChanges


class OrganizationSettings(ApiModel):
    require_mfa: bool


class OrganizationSettingsOut(ApiModel):
    organization_id: str
    settings: OrganizationSettings
