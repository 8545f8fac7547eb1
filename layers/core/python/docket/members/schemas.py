"""Request and response models of members (`/users…`) and invitations (`/invitations…`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, PlainValidator, StringConstraints, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from docket.api.fields import Phone
from docket.api.models import ApiModel, InputModel, Omittable, Pagination
from docket.identity.models import EMAIL_PATTERN, SessionTokens

MAX_ROLE_NUMBER = 999_999_999


def _role_reference(value: Any) -> int | str:
    """A role's number (a JSON integer, not a boolean) or its id, slug or name (a short string)."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROLE_NUMBER:
        return value
    if isinstance(value, str) and 1 <= len(value.strip()) <= 64:
        return value.strip()
    raise PydanticCustomError(
        "role_reference", "must be a role's number (1 or more), or its id, slug or name (1-64 characters)"
    )


#: A role as input names it: its id (`role_…`), slug, system name or number (`2`, `"2"`).
RoleReference = Annotated[
    int | str,
    PlainValidator(_role_reference),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ROLE_NUMBER},
                {"type": "string", "minLength": 1, "maxLength": 64},
            ],
            "description": "A role's number, id, slug or name",
        }
    ),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MemberStatus = Literal["active", "inactive", "revoked"]


class RoleOut(ApiModel):
    id: str
    number: int
    slug: str
    name: str


class MemberOut(ApiModel):
    """A member of the firm: their account as the firm sees it, and their membership."""

    id: str
    email: str
    name: str
    first_name: str
    last_name: str
    #: the member's first role as a membership names it (`attorney`, or a custom role's id)
    role: str | None
    roles: list[str]
    role_details: list[RoleOut]
    status: MemberStatus
    #: when they became a member of this firm (seed 000's `createdAt`)
    created_at: str
    joined_at: str
    updated_at: str
    invited_by: str | None = None
    revoked_at: str | None = None
    revoked_reason: str | None = None
    #: read from the account on a single member's answer (the list shows the membership alone)
    phone: str | None = None
    email_verified: bool | None = None
    mfa_enabled: bool | None = None
    #: the account was created by the firm and its owner has not chosen a password yet
    password_pending: bool | None = None
    version: int


class MemberList(ApiModel):
    users: list[MemberOut]
    pagination: Pagination


class _OneSpellingEach:
    """A member's name and role each come one way: `name` or `firstName` + `lastName`, `role` or
    `roleId` (the seeds spell them differently; both at once would leave one of them unread)."""

    if TYPE_CHECKING:  # the models declare the fields (in their own order, for their spec)
        name: str | None
        first_name: str | None
        last_name: str | None
        role: int | str | None
        role_id: int | str | None

    @model_validator(mode="after")
    def _one_spelling_each(self) -> Self:
        if self.name is not None and (self.first_name is not None or self.last_name is not None):
            raise ValueError("send name, or firstName and lastName, not both")
        if self.role is not None and self.role_id is not None:
            raise ValueError("send role or roleId, not both")
        return self

    @property
    def role_reference(self) -> int | str | None:
        return self.role if self.role is not None else self.role_id


class MemberIn(_OneSpellingEach, InputModel):
    """Seed 000's `POST /users`: an administrator adds a member."""

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254, examples=["newuser@example.com"])
    #: "First Last" (seed 000), or `firstName` and `lastName`
    name: Omittable[Name] = Field(default=None, examples=["Jane Smith"])
    first_name: Omittable[Name] = None
    last_name: Omittable[Annotated[str, StringConstraints(max_length=100)]] = None
    role: Omittable[RoleReference] = Field(default=None, examples=["paralegal"])
    role_id: Omittable[RoleReference] = None
    phone: Omittable[Phone] = None
    #: a temporary password (the strength policy applies), pending until its user chooses their own
    password: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = None

    def split_name(self) -> tuple[str | None, str | None]:
        if self.name is not None:
            first, _, last = self.name.partition(" ")
            return first, last.strip()
        return self.first_name, self.last_name


class MemberUpdate(_OneSpellingEach, InputModel):
    """Seed 001's admin update (`first_name`, `last_name`, `email`, `status`), plus the member's role.

    Name, phone and email are the account's: an administrator changes them only for an account that
    belongs to this firm alone (the email only until its owner has chosen a password)."""

    first_name: Omittable[Name] = None
    last_name: Omittable[Annotated[str, StringConstraints(max_length=100)]] = None
    name: Omittable[Name] = None
    email: Omittable[str] = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: Omittable[Phone] = None
    #: `active` or `inactive` (suspended); `revoked` is `POST /users/{userId}/revoke`, with a reason
    status: Omittable[Literal["active", "inactive"]] = None
    role: Omittable[RoleReference] = None
    role_id: Omittable[RoleReference] = None


class RevokeIn(InputModel):
    reason: str = Field(min_length=1, max_length=500, examples=["Violation of terms"])


# --- invitations ------------------------------------------------------------------------------

InvitationStatus = Literal["pending", "accepted", "expired", "revoked"]


class InvitationIn(InputModel):
    """Seed 001's `{"email", "role_id": 2}`; the role may also be named by `role` (id, slug, name)."""

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254, examples=["newuser@example.com"])
    role_id: Omittable[RoleReference] = Field(default=None, examples=[2])
    role: Omittable[RoleReference] = None

    @model_validator(mode="after")
    def _one_role(self) -> InvitationIn:
        if (self.role_id is None) == (self.role is None):
            raise ValueError("name the role: roleId (or role)")
        return self

    @property
    def role_reference(self) -> int | str:
        return self.role_id if self.role_id is not None else self.role  # type: ignore[return-value]


class InvitationOut(ApiModel):
    id: str
    email: str
    role: RoleOut
    status: InvitationStatus
    invited_by: str
    invited_by_name: str
    expires_at: str
    created_at: str
    updated_at: str
    accepted_at: str | None = None
    accepted_by: str | None = None
    revoked_at: str | None = None
    version: int


class InvitationList(ApiModel):
    invitations: list[InvitationOut]
    pagination: Pagination


class InvitedTo(ApiModel):
    name: str


class InvitedBy(ApiModel):
    name: str


class InvitedAs(ApiModel):
    name: str
    slug: str


class InvitationPreview(ApiModel):
    """What the holder of an invitation's token sees (`GET /invitations/token/{token}`): no ids, and
    no address in full — the token is a bearer secret, and whoever holds it learns no more."""

    organization: InvitedTo
    role: InvitedAs
    invited_by: InvitedBy
    #: the invited address, masked (`j***@example.com`): which account to accept with
    email_hint: str
    status: InvitationStatus
    expires_at: str


class AcceptIn(InputModel):
    """Seed 001's `{"first_name", "last_name", "password"}` creates the invitee's account; an invitee
    who has one proves it is theirs with its `password` (and `mfaCode` when it has MFA), or sends
    the request with a bearer token of that account and no body."""

    first_name: Omittable[Name] = None
    last_name: Omittable[Annotated[str, StringConstraints(max_length=100)]] = None
    password: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = None
    mfa_code: Omittable[Annotated[str, StringConstraints(min_length=6, max_length=32)]] = None


class JoinedOrganization(ApiModel):
    id: str
    name: str
    slug: str


class InvitationAccepted(ApiModel):
    organization: JoinedOrganization
    user: MemberOut
    #: a new account is signed in at once; an existing one signs in as usual (its MFA applies)
    session: SessionTokens | None = None
