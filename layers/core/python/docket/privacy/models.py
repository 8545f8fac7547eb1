"""Response models of the personal-data export (`GET /users/me/download-data`)."""

from __future__ import annotations

from typing import Any, Literal

from docket.api.models import ApiModel, Ok


class PersonalData(ApiModel):
    """Everything Docket holds about the caller (docket.privacy.export); secrets never included."""

    format: str
    user_id: str
    account: dict[str, Any]
    security: dict[str, Any]
    memberships: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    linked_identities: list[dict[str, Any]]
    api_keys: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    audit_trail: list[dict[str, Any]]
    #: how many records the export holds
    records: int


class DataExportOut(ApiModel):
    """A personal-data export prepared in the background."""

    id: str
    status: Literal["queued", "running", "done", "failed", "expired"]
    created_at: str
    started_at: str | None
    completed_at: str | None
    #: after this the file is gone (and no download URL is given)
    expires_at: str | None
    records: int | None
    size_bytes: int | None
    #: where to read this status again
    status_url: str
    #: when done: a presigned GET of the JSON file, valid `downloadExpiresIn` seconds
    download_url: str | None
    download_expires_in: int | None
    error: str | None


#: the envelopes of `GET /users/me/download-data`'s two answers (its spec documents both)
PersonalDataAnswer = Ok[PersonalData]
DataExportAnswer = Ok[DataExportOut]
