"""End-to-end tests: the local emulator on a free port, driven over real HTTP and WebSocket.

Fixtures: `emulator` (session), `api` (httpx client on `<emulator>/v1`), `token_for(user_id,
org_id, *, roles=(), permissions=())`, `ws_connect(token=None, *, path="/ws")` (a context manager
yielding a `tests.e2e.support.Socket`), `mailbox(to=None)` and `clear_mailbox()`.

Real callers for the harnesses (session-scoped, built once through the API, see tests/harness/firms.py):
`firms` — two firms (`alder`, the victim, and `birch`, the intruder), each with an owner, a staff
member and a client member and one resource of every kind per creator; `fuzz_firm` — a third one,
the fuzz run's, whose data the fuzz run may change at will; `changes` — what a firm's stored
data went through since a mark (tests/harness/changes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from infra.local.aws import LocalAws
from infra.local.server import Emulator, start_emulator
from tests.e2e.support import Socket, open_socket
from tests.harness.changes import TableChanges
from tests.harness.firms import Firm, create_firm
from tests.harness.platform import PlatformAdmin, create_platform_admin
from tests.harness.resources import furnish
from tests.members import member_session


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """e2e tests run last: the emulator (its pumps, its settings) lives until the session ends and
    must not run beside the integration tests that share the process's embedded AWS."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


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
    """An access token of a fresh session (what login returns) for a member of an organization
    holding the system `roles` and, through a custom role of their own, `permissions`."""

    def mint(
        user_id: str, org_id: str, *, roles: tuple[str, ...] = (), permissions: tuple[str, ...] = ()
    ) -> str:
        session = member_session(user_id, org_id, roles=roles, permissions=permissions)
        # making the member sets off their own `member.joined` push: let it go by before the test
        # connects a socket, or the socket's first frame is that push, not the one the test awaits
        emulator.settle()
        return session.access_token

    return mint


@pytest.fixture
def ws_connect(emulator: Emulator) -> Callable[..., AbstractContextManager[Socket]]:
    """`with ws_connect(token) as socket:` — a WebSocket to the emulator (anonymous without token)."""

    def connect(token: str | None = None, *, path: str = "/ws") -> AbstractContextManager[Socket]:
        return open_socket(emulator.base_url.replace("http://", "ws://") + path, token)

    return connect


@pytest.fixture
def mailbox(emulator: Emulator) -> Callable[..., list[dict[str, Any]]]:
    """Mail sent through SES, newest first: `[{"to", "from", "subject", "text", "html", "sentAt"}]`."""

    def read(to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else None
        reply = httpx.get(f"{emulator.base_url}/_local/mail", params=params, timeout=10)
        reply.raise_for_status()
        return list(reply.json())

    return read


@pytest.fixture
def clear_mailbox(emulator: Emulator) -> Callable[[], None]:
    def clear() -> None:
        httpx.delete(f"{emulator.base_url}/_local/mail", timeout=10).raise_for_status()

    return clear


def _read_mail(emulator: Emulator) -> Callable[..., list[dict[str, Any]]]:
    def read(to: str | None = None) -> list[dict[str, Any]]:
        reply = httpx.get(f"{emulator.base_url}/_local/mail", params={"to": to} if to else None, timeout=10)
        reply.raise_for_status()
        return list(reply.json())

    return read


@pytest.fixture(scope="session")
def harness_api(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{emulator.base_url}/v1", timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def firms(emulator: Emulator, harness_api: httpx.Client) -> tuple[Firm, Firm]:
    """`(victim, intruder)`: two furnished firms for the isolation suite."""
    mail = _read_mail(emulator)
    return (
        furnish(harness_api, create_firm(harness_api, mail, "alder")),
        furnish(harness_api, create_firm(harness_api, mail, "birch")),
    )


@pytest.fixture(scope="session")
def changes(emulator: Emulator) -> TableChanges:
    return TableChanges(emulator.settle, emulator.settings.table_name)


@pytest.fixture(scope="session")
def fuzz_firm(emulator: Emulator, harness_api: httpx.Client) -> Firm:
    return furnish(harness_api, create_firm(harness_api, _read_mail(emulator), "cedar"))


@pytest.fixture(scope="session")
def platform_admin(harness_api: httpx.Client) -> PlatformAdmin:
    """A platform administrator (seed 002's `/admin`), signed in through the API."""
    return create_platform_admin(harness_api, "olive")
