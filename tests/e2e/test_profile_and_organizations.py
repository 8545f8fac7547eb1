"""The caller's profile, personal data and organizations over HTTP on the emulator: the seeds' own
requests as printed, switching organization (issue 8's acceptance item), and a GDPR export that the
emulator's exporter prepares."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from infra.local.server import Emulator
from tests.harness.firms import log_in, sign_up
from tests.members import join_firm as join

pytestmark = pytest.mark.e2e

Mailbox = Callable[..., list[dict[str, Any]]]


def owner(api: httpx.Client, mailbox: Mailbox, label: str) -> tuple[str, str, str, dict[str, str]]:
    """A registered, verified firm owner, logged in: `(email, user id, organization id, headers)`."""
    email, user_id, org_id = sign_up(api, mailbox, label)
    token, _, _ = log_in(api, email, org_id)
    return email, user_id, org_id, {"Authorization": f"Bearer {token}"}


# --- seed 000: GET/PUT /users/profile ---------------------------------------------------------------


def test_seed_000_profile_requests_as_printed(
    emulator: Emulator, api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given a firm's owner
    _, user_id, _, auth = owner(api, mailbox, "profile-000")
    base = f"{emulator.base_url}/v1"
    body = {
        "name": "John Doe",
        "phone": "+91-9876543210",
        "address": {
            "street": "123 Main St",
            "city": "Mumbai",
            "state": "Maharashtra",
            "zipCode": "400001",
            "country": "India",
        },
        "preferences": {"language": "en", "timezone": "Asia/Kolkata"},
    }
    # When seed 000's PUT is sent as printed, then its GET
    updated = httpx.put(f"{base}/users/profile", json=body, headers=auth, timeout=20)
    read = httpx.get(f"{base}/users/profile", headers=auth, timeout=20)
    # Then the profile reads back in seed 000's shape
    assert updated.status_code == 200, updated.text
    assert read.status_code == 200, read.text
    data = read.json()["data"]
    assert read.json()["success"] is True
    assert {k: data[k] for k in ("id", "name", "role", "phone", "address")} == {
        "id": user_id,
        "name": "John Doe",
        "role": "owner",
        "phone": "+91-9876543210",
        "address": body["address"],
    }
    assert data["preferences"] == {
        "language": "en",
        "timezone": "Asia/Kolkata",
        "notifications": {"email": True, "sms": False, "push": True},
    }
    assert {"avatar", "createdAt", "updatedAt", "email"} <= set(data)
    assert read.headers["ETag"] == '"v1"'


# --- seed 001: /users/me and /organizations -----------------------------------------------------------


def test_seed_001_users_me_as_printed(emulator: Emulator, api: httpx.Client, mailbox: Mailbox) -> None:
    _, user_id, _, auth = owner(api, mailbox, "profile-001")
    base = f"{emulator.base_url}/api/v1"
    # seed 001's GET /users/me
    me = httpx.get(f"{base}/users/me", headers=auth, timeout=20)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["id"] == user_id
    # seed 001's PUT /users/me as printed: its avatar_url is the placeholder "https://...", which is
    # no URL (no host): a 400 naming the field, and nothing changes
    printed = {"first_name": "John", "last_name": "Doe", "phone": "+1234567890", "avatar_url": "https://..."}
    refused = httpx.put(f"{base}/users/me", json=printed, headers=auth, timeout=20)
    assert refused.status_code == 400, refused.text
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["avatar_url"]  # as it was sent
    assert httpx.get(f"{base}/users/me", headers=auth, timeout=20).json()["data"] == me.json()["data"]
    # the same request with a real picture's URL in the placeholder's place
    sent = {**printed, "avatar_url": "https://cdn.example.com/john.png"}
    reply = httpx.put(f"{base}/users/me", json=sent, headers=auth, timeout=20)
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    assert (data["firstName"], data["lastName"], data["phone"], data["avatarUrl"]) == (
        "John",
        "Doe",
        "+1234567890",
        "https://cdn.example.com/john.png",
    )


def test_seed_001_organization_requests_as_printed(
    emulator: Emulator, api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given a firm's owner
    _, _, org_id, auth = owner(api, mailbox, "orgs-001")
    base = f"{emulator.base_url}/api/v1"
    # GET /organizations/me, GET /organizations
    me = httpx.get(f"{base}/organizations/me", headers=auth, timeout=20)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["id"] == org_id
    mine = httpx.get(f"{base}/organizations", headers=auth, timeout=20)
    assert mine.status_code == 200, mine.text
    assert [(o["id"], o["current"]) for o in mine.json()["data"]["organizations"]] == [(org_id, True)]
    # PUT /organizations/me
    body = {"name": "New Name", "email": "newemail@example.com", "phone": "+1234567890"}
    updated = httpx.put(f"{base}/organizations/me", json=body, headers=auth, timeout=20)
    assert updated.status_code == 200, updated.text
    assert {k: updated.json()["data"][k] for k in body} == body
    # PUT /organizations/me/settings (the seed prints `{ ... }`: some settings)
    settings = {"settings": {"timeZone": "Asia/Kolkata", "currency": "INR"}}
    changed = httpx.put(f"{base}/organizations/me/settings", json=settings, headers=auth, timeout=20)
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["settings"]["currency"] == "INR"
    # GET /organizations/me/stats
    stats = httpx.get(f"{base}/organizations/me/stats", headers=auth, timeout=20)
    assert stats.status_code == 200, stats.text
    assert stats.json()["data"]["members"]["byRole"] == {"owner": 1}
    # PUT /organizations/me/slug
    slug = httpx.put(f"{base}/organizations/me/slug", json={"slug": "new-slug"}, headers=auth, timeout=20)
    assert slug.status_code == 200, slug.text
    assert slug.json()["data"]["slug"] == "new-slug"
    # PUT /organizations/switch as printed: "uuid" is no organization of the caller's
    switch = httpx.put(
        f"{base}/organizations/switch", json={"organization_id": "uuid"}, headers=auth, timeout=20
    )
    assert switch.status_code == 403, switch.text
    assert httpx.get(f"{base}/organizations/me", headers=auth, timeout=20).status_code == 200  # still in


# --- seed 002: /user/profile --------------------------------------------------------------------------


def test_seed_002_user_profile_as_printed(emulator: Emulator, api: httpx.Client, mailbox: Mailbox) -> None:
    _, user_id, _, auth = owner(api, mailbox, "profile-002")
    base = f"{emulator.base_url}/api"
    read = httpx.get(f"{base}/user/profile", headers=auth, timeout=20)
    assert read.status_code == 200, read.text
    assert read.json()["data"]["user"]["id"] == user_id
    body = {"name": "Updated Name", "avatarUrl": "https://new-avatar-url.com"}
    reply = httpx.put(f"{base}/user/profile", json=body, headers=auth, timeout=20)
    assert reply.status_code == 200, reply.text
    user = reply.json()["data"]["user"]
    assert (user["name"], user["avatarUrl"]) == ("Updated Name", "https://new-avatar-url.com")
    assert {"id", "email", "role", "createdAt", "updatedAt"} <= set(user)


# --- issue 8: a user in two firms switches --------------------------------------------------------------


def feedback_ids(api: httpx.Client, headers: dict[str, str]) -> set[str]:
    reply = api.get("/feedback", headers=headers, params={"limit": 100})
    assert reply.status_code == 200, reply.text
    return {item["id"] for item in reply.json()["data"]["feedback"]}


def test_a_user_in_two_firms_switches_and_then_sees_only_the_second_firms_data(
    api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given Ada, who owns firm A and is an attorney at firm B, and feedback in both firms
    _, ada, firm_a, in_a = owner(api, mailbox, "switch-a")
    _, _, firm_b, b_owner = owner(api, mailbox, "switch-b")
    join(firm_b, ada, "attorney")  # (what accepting an invitation does)
    mine = api.post("/feedback", json={"feature": "Firm A intake", "rating": 4}, headers=in_a).json()["data"][
        "id"
    ]
    theirs = api.post("/feedback", json={"feature": "Firm B billing", "rating": 3}, headers=b_owner).json()[
        "data"
    ]["id"]
    assert mine in feedback_ids(api, in_a)
    assert theirs not in feedback_ids(api, in_a)
    # When she switches to firm B (seed 001's request)
    reply = api.put("/organizations/switch", json={"organization_id": firm_b}, headers=in_a)
    assert reply.status_code == 200, reply.text
    switched = reply.json()["data"]
    in_b = {"Authorization": f"Bearer {switched['accessToken']}"}
    # Then she acts in firm B as its attorney, and sees firm B's data only
    assert switched["organization"]["id"] == firm_b
    assert switched["user"]["roles"] == ["attorney"]
    seen = feedback_ids(api, in_b)
    assert theirs in seen
    assert mine not in seen
    assert api.get(f"/feedback/{mine}", headers=in_b).status_code == 404
    assert api.get("/organizations/me", headers=in_b).json()["data"]["id"] == firm_b
    listed = api.get("/organizations", headers=in_b).json()["data"]["organizations"]
    assert {o["id"]: o["current"] for o in listed} == {firm_a: False, firm_b: True}
    # And from then on the tokens of firm A's session no longer work
    assert api.get("/feedback", headers=in_a).status_code == 401
    # While her refresh token keeps her in firm B
    refreshed = api.post("/auth/refresh", json={"refreshToken": switched["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    again = {"Authorization": f"Bearer {refreshed.json()['data']['accessToken']}"}
    assert theirs in feedback_ids(api, again)
    assert mine not in feedback_ids(api, again)


# --- GDPR ----------------------------------------------------------------------------------------------


def test_a_personal_data_export_prepared_by_the_exporter_downloads(
    api: httpx.Client, mailbox: Mailbox
) -> None:
    # Given an owner with a profile and feedback
    email, user_id, _, auth = owner(api, mailbox, "gdpr")
    api.put("/users/me", json={"phone": "+91-9876543210"}, headers=auth)
    api.post("/feedback", json={"feature": "Exports", "rating": 5}, headers=auth)
    inline = api.get("/users/me/download-data", headers=auth)
    assert inline.status_code == 200, inline.text
    assert inline.json()["data"]["account"]["email"] == email
    # When they ask for it to be prepared (seed 001's GET, preferring an asynchronous answer)
    asked = api.get("/users/me/download-data", headers={**auth, "Prefer": "respond-async"})
    assert asked.status_code == 202, asked.text
    status_url = asked.json()["data"]["statusUrl"]
    assert asked.headers["Location"] == status_url
    # Then the emulator's exporter prepares it, and the status gives a link to the file
    status: dict[str, Any] = {}
    for _ in range(300):
        status = httpx.get(
            f"{api.base_url.scheme}://{api.base_url.netloc.decode()}{status_url}", headers=auth
        ).json()["data"]
        if status["status"] != "queued" and status["status"] != "running":
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    downloaded = httpx.get(status["downloadUrl"], timeout=20)
    assert downloaded.status_code == 200, downloaded.text
    exported = downloaded.json()
    assert exported["userId"] == user_id
    assert exported["account"]["phone"] == "+91-9876543210"
    assert [f["feature"] for f in exported["feedback"]] == ["Exports"]
    assert exported["memberships"] == inline.json()["data"]["memberships"]
