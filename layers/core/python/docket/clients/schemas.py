"""Request and response models of clients and pipeline stages (seed 000's and seed 004's fields)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from docket.api.fields import Phone
from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination
from docket.identity.models import EMAIL_PATTERN

_ID = r"^[a-z][a-z0-9]{1,15}_[0-9A-HJKMNP-TV-Z]{26}$"
_STAGE_EXAMPLE = "stage_01J9Z8X4ZQ5Y6N7M8P9Q0R1S2T"
_COLOR = r"^#[0-9A-Fa-f]{6}$"


class ClientType(StrEnum):
    INDIVIDUAL = "individual"
    CORPORATE = "corporate"


class ClientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class ClientAddress(InputModel):
    """A postal address; in an update the fields left out keep their value, `null` clears one."""

    street: Nullable[str] = Field(default=None, max_length=200, examples=["456 Business Ave"])
    city: Nullable[str] = Field(default=None, max_length=100, examples=["Mumbai"])
    state: Nullable[str] = Field(default=None, max_length=100, examples=["Maharashtra"])
    zip_code: Nullable[str] = Field(default=None, max_length=20, examples=["400002"])
    country: Nullable[str] = Field(default=None, max_length=100, examples=["India"])


class ContactPerson(InputModel):
    """Who to talk to at a corporate client; in an update the fields left out keep their value."""

    name: Nullable[str] = Field(default=None, max_length=200, examples=["John Smith"])
    email: Nullable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Nullable[Phone] = None


class ClientIn(InputModel):
    """Seed 000 names a client (`name`); seed 004 gives `first_name` and `last_name`: one of the two."""

    name: Omittable[str] = Field(default=None, min_length=1, max_length=200, examples=["ABC Corporation"])
    first_name: Omittable[str] = Field(default=None, min_length=1, max_length=100, examples=["John"])
    last_name: Omittable[str] = Field(default=None, min_length=1, max_length=100, examples=["Doe"])
    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Omittable[Phone] = None
    type: ClientType = ClientType.INDIVIDUAL
    status: ClientStatus = ClientStatus.ACTIVE
    address: Omittable[ClientAddress] = None
    contact_person: Omittable[ContactPerson] = None
    #: a pipeline stage of the firm (`GET /pipeline/stages`)
    stage_id: Nullable[str] = Field(default=None, pattern=_ID, max_length=64, examples=[_STAGE_EXAMPLE])
    notes: Nullable[str] = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.name is None and self.first_name is None and self.last_name is None:
            raise ValueError("a client needs a name, or a first or last name")
        return self


class ClientUpdate(InputModel):
    """The fields to change; those left out keep their value, `null` clears an optional one."""

    name: Omittable[str] = Field(default=None, min_length=1, max_length=200)
    first_name: Nullable[str] = Field(default=None, min_length=1, max_length=100)
    last_name: Nullable[str] = Field(default=None, min_length=1, max_length=100)
    email: Nullable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Nullable[Phone] = None
    type: Omittable[ClientType] = None
    status: Omittable[ClientStatus] = None
    address: Nullable[ClientAddress] = None
    contact_person: Nullable[ContactPerson] = None
    #: moving the client to another stage (`null`: out of the pipeline) is audited as `client.stage_changed`
    stage_id: Nullable[str] = Field(default=None, pattern=_ID, max_length=64, examples=[_STAGE_EXAMPLE])
    notes: Nullable[str] = Field(default=None, max_length=5000)


class AddressOut(ApiModel):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None


class ContactPersonOut(ApiModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class ClientOut(ApiModel):
    id: str
    name: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    type: ClientType
    status: ClientStatus
    address: AddressOut | None
    contact_person: ContactPersonOut | None
    stage_id: str | None
    notes: str | None
    #: seed 004's name for the firm (organization) the client belongs to
    tenant_id: str
    created_at: str
    updated_at: str
    version: int


class ClientList(ApiModel):
    clients: list[ClientOut]
    pagination: Pagination


class StageIn(InputModel):
    name: str = Field(min_length=1, max_length=100, examples=["Onboarding"])
    color: Nullable[str] = Field(default=None, pattern=_COLOR, examples=["#3366FF"])
    #: where it goes (1 = first); left out, it is added last
    position: Omittable[int] = Field(default=None, ge=1, le=1000)


class StageUpdate(InputModel):
    name: Omittable[str] = Field(default=None, min_length=1, max_length=100)
    color: Nullable[str] = Field(default=None, pattern=_COLOR, examples=["#3366FF"])


class StageOrder(InputModel):
    """Every stage of the firm, in the order wanted."""

    stage_ids: list[str] = Field(min_length=1, max_length=50, examples=[[_STAGE_EXAMPLE]])


class StageOut(ApiModel):
    id: str
    name: str
    color: str | None
    position: int
    #: live clients in the stage
    clients: int
    created_at: str
    updated_at: str
    version: int


class StageList(ApiModel):
    stages: list[StageOut]
