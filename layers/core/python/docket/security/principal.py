"""Who is calling: built by the authorizer, passed by API Gateway as the authorizer context.

API Gateway context values must be strings, numbers or booleans, so lists travel comma-joined.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from docket.errors import AuthenticationFailed, Forbidden
from docket.security.permissions import Permission, covers

ANONYMOUS_USER = "anonymous"


@dataclass(frozen=True)
class Origin:
    """Where a request came from, as the api layer read it from API Gateway's event: what an audit
    entry records beside its actor. The data layer gets it from here, never from request state."""

    request_id: str = ""
    ip: str | None = None
    user_agent: str | None = None


NO_ORIGIN = Origin()


@dataclass(frozen=True)
class Principal:
    user_id: str
    org_id: str
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    email: str = ""
    auth_method: str = "jwt"
    session_id: str = ""
    #: the organization requires MFA and the user has none yet: only enrolment routes are open
    mfa_setup_required: bool = False
    #: a platform administrator (seed 002's `/admin`): acts outside every firm (`org_id` is empty)
    platform: bool = False
    #: the request this principal acts in (the resolver sets it; not part of the authorizer context)
    origin: Origin = field(default=NO_ORIGIN, compare=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id == ANONYMOUS_USER

    def to_context(self) -> dict[str, str]:
        return {
            "userId": self.user_id,
            "orgId": self.org_id,
            "roles": ",".join(self.roles),
            "permissions": ",".join(self.permissions),
            "email": self.email,
            "authMethod": self.auth_method,
            "sessionId": self.session_id,
            "mfaSetupRequired": "true" if self.mfa_setup_required else "false",
            "platform": "true" if self.platform else "false",
        }

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None) -> Principal | None:
        if not context or not context.get("userId"):
            return None

        def split(value: Any) -> tuple[str, ...]:
            return tuple(v for v in str(value or "").split(",") if v)

        return cls(
            user_id=str(context["userId"]),
            org_id=str(context.get("orgId") or ""),
            roles=split(context.get("roles")),
            permissions=split(context.get("permissions")),
            email=str(context.get("email") or ""),
            auth_method=str(context.get("authMethod") or "jwt"),
            session_id=str(context.get("sessionId") or ""),
            mfa_setup_required=str(context.get("mfaSetupRequired") or "").lower() == "true",
            platform=str(context.get("platform") or "").lower() == "true",
        )

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(user_id=ANONYMOUS_USER, org_id="", auth_method="none")

    def holds(self, permission: Permission) -> bool:
        """Whether the principal holds `permission` (a catalogue entry; wildcards count)."""
        return covers(self.permissions, permission)

    def require(self, permission: Permission) -> None:
        """Raise Forbidden unless the principal holds `permission` (a catalogue entry)."""
        if self.is_anonymous:
            raise AuthenticationFailed("Authentication required")
        if not self.holds(permission):
            raise Forbidden(f"Missing permission {permission}", details={"permission": str(permission)})
