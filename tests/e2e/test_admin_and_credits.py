"""Seed 002's credits and platform administration, over HTTP on the emulator, with the seed's
requests exactly as printed (under `/api`, seed 002's base URL), and `make admin`'s command run
against the running emulator as a developer runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.local.server import Emulator
from tests.harness.firms import PASSWORD, Firm, create_firm

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Platform-Keeper-91"


def make_admin(emulator: Emulator, email: str, name: str) -> subprocess.CompletedProcess[str]:
    """`make admin EMAIL=… NAME=…` as the Makefile runs it: a new process that knows nothing of the
    emulator's AWS but its URL (`--emulator`)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOCKET_", "AWS_")) and key != "POWERTOOLS_SERVICE_NAME"
    }
    return subprocess.run(
        [sys.executable, "-m", "infra.tools.admin", email, "--name", name, "--emulator", emulator.base_url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=environment,
        check=False,
    )


@pytest.fixture(scope="module")
def seed_api(emulator: Emulator) -> Any:
    with httpx.Client(base_url=f"{emulator.base_url}/api", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def administrator(emulator: Emulator, seed_api: httpx.Client) -> dict[str, str]:
    """An administrator made by the command, password set with its token, signed in."""
    made = make_admin(emulator, "admin@example.com", "Admin User")
    assert made.returncode == 0, made.stderr
    token = re.search(r"^token: (\S+)$", made.stdout, re.MULTILINE)
    assert token, made.stdout
    assert "/auth/reset-password" in made.stdout
    reset = seed_api.post(
        "/auth/reset-password", json={"token": token.group(1), "newPassword": ADMIN_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    login = seed_api.post(
        "/admin/auth/login", json={"email": "admin@example.com", "password": ADMIN_PASSWORD}
    )
    assert login.status_code == 200, login.text
    data = login.json()["data"]
    return {"id": data["user"]["id"], "Authorization": f"Bearer {data['accessToken']}"}


@pytest.fixture(scope="module")
def firm(emulator: Emulator, harness_api: httpx.Client) -> Firm:
    def mailbox(to: str | None = None) -> list[dict[str, Any]]:
        return list(httpx.get(f"{emulator.base_url}/_local/mail", params={"to": to} if to else None).json())

    return create_firm(harness_api, mailbox, "dogwood")


def auth(headers: dict[str, str]) -> dict[str, str]:
    return {"Authorization": headers["Authorization"]}


def test_make_admin_refuses_a_firms_address_and_renews_an_administrators_token(
    emulator: Emulator, administrator: dict[str, str], firm: Firm
) -> None:
    refused = make_admin(emulator, firm.owner.email, "Owner")
    assert refused.returncode == 2
    assert "belongs to a firm's user" in refused.stderr
    again = make_admin(emulator, "admin@example.com", "Admin User")
    assert again.returncode == 0, again.stderr
    assert "exists; here is a new set-password token" in again.stdout


def test_seed_002_credits_and_usage_as_printed(seed_api: httpx.Client, firm: Firm) -> None:
    owner = {"Authorization": f"Bearer {firm.owner.token}"}
    # GET /api/user/credits
    credits = seed_api.get("/user/credits", headers=owner)
    assert credits.status_code == 200, credits.text
    found = credits.json()["data"]["credits"]
    assert {"totalTokens", "usedTokens", "remainingTokens", "lastReset"} <= set(found)
    assert found["remainingTokens"] == found["totalTokens"] - found["usedTokens"]
    # GET /api/user/usage, and with seed 002's `period` values
    for query in ("", "?period=day", "?period=week", "?period=month", "?period=year"):
        usage = seed_api.get(f"/user/usage{query}", headers=owner)
        assert usage.status_code == 200, (query, usage.text)
        body = usage.json()["data"]["usage"]
        assert body["period"] == (query.partition("=")[2] or "month")
        assert {
            "totalTokensUsed",
            "searchTokens",
            "qaTokens",
            "consultantTokens",
            "searchCount",
            "qaCount",
            "conversationCount",
            "dailyBreakdown",
        } <= set(body)


def test_seed_002_admin_requests_as_printed(
    seed_api: httpx.Client, administrator: dict[str, str], firm: Firm
) -> None:
    admin = auth(administrator)
    # GET /api/admin/users (page, limit, role, search)
    users = seed_api.get("/admin/users", headers=admin)
    assert users.status_code == 200, users.text
    assert users.json()["data"]["pagination"]["limit"] == 50
    staff = seed_api.get(
        "/admin/users",
        params={"page": 1, "limit": 50, "role": "free", "search": firm.staff.email},
        headers=admin,
    )
    assert staff.status_code == 200, staff.text
    [listed] = staff.json()["data"]["users"]
    assert listed["id"] == firm.staff.user_id
    assert {"id", "email", "name", "role", "totalTokensUsed", "lastActive", "createdAt"} == set(listed)
    pagination = staff.json()["data"]["pagination"]
    assert {key: pagination[key] for key in ("page", "limit", "total", "totalPages")} == {
        "page": 1,
        "limit": 50,
        "total": 1,
        "totalPages": 1,
    }

    # PUT /api/admin/users/:id/role with seed 002's body
    changed = seed_api.put(
        f"/admin/users/{firm.staff.user_id}/role",
        json={"role": "pay", "reason": "User upgraded to paid plan"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    user = changed.json()["data"]["user"]
    assert (user["id"], user["email"], user["role"]) == (firm.staff.user_id, firm.staff.email, "pay")
    assert "updatedAt" in user
    # and the user sees the paid plan's allowance at once
    theirs = seed_api.get("/user/credits", headers=firm.staff.headers).json()["data"]["credits"]
    assert (theirs["plan"], theirs["totalTokens"]) == ("pay", 20_000)

    # GET /api/admin/statistics (and each period)
    for query in ("", "?period=day", "?period=week", "?period=month", "?period=year"):
        statistics = seed_api.get(f"/admin/statistics{query}", headers=admin)
        assert statistics.status_code == 200, (query, statistics.text)
        body = statistics.json()["data"]["statistics"]
        assert body["usersByRole"]["pay"] >= 1
        assert body["totalUsers"] >= 4  # the admin, and the firm's owner, staff and client
        assert {"activeUsers", "newUsers", "totalTokensUsed", "totalSearches", "totalQA"} <= set(body)
        assert {"totalConversations", "dailyStats"} <= set(body)

    # GET /api/admin/logs (action, adminId)
    logs = seed_api.get(
        "/admin/logs", params={"action": "UPDATE_USER_ROLE", "adminId": administrator["id"]}, headers=admin
    )
    assert logs.status_code == 200, logs.text
    entry = logs.json()["data"]["logs"][0]
    assert entry["action"] == "UPDATE_USER_ROLE"
    assert entry["adminUser"] == {
        "id": administrator["id"],
        "email": "admin@example.com",
        "name": "Admin User",
    }
    assert entry["targetUser"]["id"] == firm.staff.user_id
    assert entry["details"] == {"oldRole": "free", "newRole": "pay", "reason": "User upgraded to paid plan"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/users"),
        ("PUT", "/admin/users/{owner}/role"),
        ("GET", "/admin/statistics"),
        ("GET", "/admin/logs"),
    ],
)
def test_a_firm_owner_calling_admin_gets_403(
    seed_api: httpx.Client, firm: Firm, method: str, path: str, administrator: dict[str, str]
) -> None:
    body = {"role": "vip", "reason": "self-promotion"} if method == "PUT" else None
    reply = seed_api.request(
        method, path.format(owner=firm.owner.user_id), json=body, headers=firm.owner.headers
    )
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"]["code"] == "AUTHORIZATION_FAILED"
    assert (
        seed_api.get("/user/credits", headers=firm.owner.headers).json()["data"]["credits"]["plan"] == "free"
    )


def test_an_administrator_cannot_use_a_firms_routes_nor_the_firm_login(
    seed_api: httpx.Client, administrator: dict[str, str]
) -> None:
    assert seed_api.get("/feedback", headers=auth(administrator)).status_code == 403
    login = seed_api.post("/auth/login", json={"email": "admin@example.com", "password": ADMIN_PASSWORD})
    assert login.status_code == 403, login.text
    assert (
        seed_api.post(
            "/admin/auth/login", json={"email": "admin@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )


def test_the_monthly_reset_runs_on_the_emulator_when_asked(emulator: Emulator, firm: Firm) -> None:
    # moto's Scheduler never fires: the emulator runs the schedule's job on demand
    reply = httpx.post(f"{emulator.base_url}/_local/schedules/credits-monthly-reset", timeout=60)
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert (result["job"], result["function"]) == ("credits-monthly-reset", "jobs")
    # this month's accounts are current already: the run finds none to reset
    assert result["result"]["done"] is True
    assert result["result"]["reset"] == 0
