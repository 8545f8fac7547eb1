"""A real platform administrator for the harnesses: made as `make admin` makes one (the command's
service, on the emulator's embedded AWS), who sets their password with the one-time token and signs
in at `POST /admin/auth/login` through the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from docket.admin import admins
from docket.identity import sessions
from tests.harness.firms import PASSWORD, session_of


@dataclass
class PlatformAdmin:
    """Acts like a firm `Member` for the harnesses (`headers`, `renew`), outside every firm."""

    api: httpx.Client
    user_id: str
    email: str
    token: str
    session_id: str
    role: str = "platform-admin"
    org_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def renew(self) -> None:
        """Sign in again when a request under test ended the session (a sign-out)."""
        if sessions.active(self.session_id) is None:
            self.token, self.session_id = sign_in(self.api, self.email)


def sign_in(api: httpx.Client, email: str) -> tuple[str, str]:
    reply = api.post("/admin/auth/login", json={"email": email, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    token = str(reply.json()["data"]["accessToken"])
    return token, session_of(token)


def create_platform_admin(api: httpx.Client, label: str) -> PlatformAdmin:
    email = f"{label}-{secrets.token_hex(4)}@platform.example"
    made = admins.create(email, name=f"{label.title()} Admin", operator="harness")
    reply = api.post("/auth/reset-password", json={"token": made.password_token, "newPassword": PASSWORD})
    assert reply.status_code == 200, reply.text
    token, session_id = sign_in(api, email)
    return PlatformAdmin(api=api, user_id=made.user.id, email=email, token=token, session_id=session_id)
