"""GDPR `GET /users/me/download-data`: everything Docket holds about the caller, never a secret;
small exports at once, large ones (or `Prefer: respond-async`) as a job the exporter prepares."""

from __future__ import annotations

import json

import httpx
import pyotp
import pytest

from docket.identity import accounts, apikeys, mfa, sessions
from docket.privacy import jobs
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, register
from tests.members import join_firm as join

EMAIL = "owner@firm.example"
ASYNC = {"Prefer": "respond-async"}


def owner_with_data() -> tuple[accounts.Registered, Principal, str]:
    """A firm's owner with MFA, an API key, feedback, a profile, and a membership elsewhere."""
    done = register(EMAIL)
    other = register("partner@other.example")
    join(other.organization.id, done.user.id, "attorney")
    backup_codes = mfa.confirm(done.user.id, pyotp.TOTP(mfa.initialize(done.user.id).secret).now())
    token = accounts.login(EMAIL, PASSWORD, mfa_code=backup_codes[0], device="Firefox").tokens.access_token
    principal = authenticate_rest({"Authorization": f"Bearer {token}"})
    _, key = apikeys.create(principal, "Export key", ["feedback:read"])
    call("helpdesk", "POST", "/feedback", principal=principal, body={"feature": "Cases", "rating": 5})
    call("directory", "PUT", "/users/me", principal=principal, body={"phone": "+91-9876543210"})
    return done, principal, key


def secrets_of(user_id: str, key: str) -> list[str]:
    user = accounts.get_user(user_id)
    held = [str(user.password_hash), str(user.mfa_seed), *sorted(user.mfa_backup_hashes or ())]
    held += [s.refresh_hash for s in sessions.sessions_of(user_id)]
    held += [key, key.rsplit("_", 1)[-1], apikeys._hash(key.rsplit("_", 1)[-1])]
    return held


def test_a_small_export_answers_everything_at_once_and_no_secret(aws: Settings) -> None:
    # Given an owner with data in two firms
    done, principal, key = owner_with_data()
    # When they ask for their data
    reply = call("directory", "GET", "/users/me/download-data", principal=principal)
    # Then it is all there
    assert reply.status == 200, reply.body
    data = reply.data
    assert data["account"]["phone"] == "+91-9876543210"
    assert data["security"]["mfa"] == {"enabled": True, "enrolmentPending": False, "backupCodesRemaining": 9}
    assert {m["organizationId"] for m in data["memberships"]} == {
        done.organization.id,
        *(m.org_id for m in accounts.memberships_of(done.user.id)),
    }
    assert len(data["memberships"]) == 2
    assert [s["id"] for s in data["sessions"]] == [principal.session_id]
    assert data["devices"][0]["device"] == "firefox"
    assert [k["name"] for k in data["apiKeys"]] == ["Export key"]
    assert [f["feature"] for f in data["feedback"]] == ["Cases"]
    assert {"api_key.created", "feedback.created", "user.updated", "auth.login"} <= {
        e["action"] for e in data["auditTrail"]
    }
    # And no secret: no password, MFA, refresh-token or API-key hash, no key
    text = json.dumps(reply.body)
    leaked = [secret for secret in secrets_of(done.user.id, key) if secret and secret in text]
    assert not leaked


def test_a_large_export_is_a_job_whose_file_holds_the_same(
    aws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given more records than an inline answer holds
    done, principal, key = owner_with_data()
    inline = call("directory", "GET", "/users/me/download-data", principal=principal).data
    monkeypatch.setattr(jobs, "INLINE_RECORDS", 3)
    # When the owner asks
    reply = call("directory", "GET", "/users/me/download-data", principal=principal)
    # Then a job is queued, with where to poll it
    assert reply.status == 202, reply.body
    job = reply.data
    assert job["status"] == "queued"
    assert job["downloadUrl"] is None
    assert reply.headers["Location"].endswith(f"/users/me/download-data/{job['id']}")
    # And asking again while it is under way answers the same job
    again = call("directory", "GET", "/users/me/download-data", principal=principal)
    assert again.data["id"] == job["id"]
    # When the exporter runs it
    jobs.run(principal.org_id, job["id"])
    status = call("directory", "GET", f"/users/me/download-data/{job['id']}", principal=principal)
    # Then it is done, with a short-lived link to a file holding what the inline answer held
    assert status.status == 200, status.body
    assert status.data["status"] == "done"
    assert status.data["downloadExpiresIn"] == jobs.URL_TTL_S
    downloaded = httpx.get(status.data["downloadUrl"], timeout=10)
    assert downloaded.status_code == 200
    exported = downloaded.json()
    assert exported["records"] == status.data["records"]
    assert exported["memberships"] == inline["memberships"]
    assert exported["feedback"] == inline["feedback"]
    assert {e["id"] for e in inline["auditTrail"]} <= {e["id"] for e in exported["auditTrail"]}
    assert not [s for s in secrets_of(done.user.id, key) if s and s in downloaded.text]
    # And running it again (a redelivered event) changes nothing
    jobs.run(principal.org_id, job["id"])
    assert (
        call("directory", "GET", f"/users/me/download-data/{job['id']}", principal=principal).headers["ETag"]
        == status.headers["ETag"]
    )


def test_prefer_respond_async_asks_for_a_job(aws: Settings) -> None:
    _, principal, _ = owner_with_data()
    reply = call("directory", "GET", "/users/me/download-data", principal=principal, headers=ASYNC)
    assert reply.status == 202, reply.body


def test_an_export_is_its_users_alone(aws: Settings) -> None:
    done, principal, _ = owner_with_data()
    job = call("directory", "GET", "/users/me/download-data", principal=principal, headers=ASYNC).data
    # another member of the same firm
    colleague = register("colleague@firm.example")
    join(done.organization.id, colleague.user.id, "staff")
    token = accounts.login("colleague@firm.example", PASSWORD, organization_id=done.organization.id)
    other = authenticate_rest({"Authorization": f"Bearer {token.tokens.access_token}"})
    reply = call("directory", "GET", f"/users/me/download-data/{job['id']}", principal=other)
    assert reply.status == 404, reply.body
    assert reply.error["message"] == "Data export not found"


def test_an_api_key_has_no_personal_data(aws: Settings) -> None:
    _, _, key = owner_with_data()
    integration = authenticate_rest({"X-API-Key": key})
    assert call("directory", "GET", "/users/me/download-data", principal=integration).status == 403
