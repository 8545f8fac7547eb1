"""End-to-end tests: the local emulator on a free port, driven over real HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from docket.identity import sessions
from infra.local.aws import LocalAws
from infra.local.server import Emulator, start_emulator


@pytest.fixture(scope="session")
def emulator(local_aws: LocalAws) -> Iterator[Emulator]:
    local_aws.reset()
    # The e2e flows make many auth calls from one address; rate limits are tested in integration.
    running = start_emulator(0, aws=local_aws, rate_limits_enabled=False)
    yield running
    running.stop(keep_aws=True)


@pytest.fixture
def api(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{emulator.base_url}/v1", timeout=20) as client:
        yield client


@pytest.fixture
def token_for(emulator: Emulator) -> Callable[..., str]:
    """An access token of a fresh session (what login returns) for a user of an organization."""

    def mint(
        user_id: str, org_id: str, *, roles: tuple[str, ...] = (), permissions: tuple[str, ...] = ()
    ) -> str:
        started = sessions.start(user_id=user_id, org_id=org_id, roles=roles, permissions=permissions)
        return started.access_token

    return mint


@pytest.fixture
def mailbox(emulator: Emulator) -> Callable[..., list[dict[str, Any]]]:
    def read(to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else None
        reply = httpx.get(f"{emulator.base_url}/_local/mail", params=params, timeout=10)
        reply.raise_for_status()
        return list(reply.json())

    return read
