"""SnapStart hooks: registered only in a SnapStart process; a restore shares nothing it must not."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from docket import process
from docket.aws import client
from docket.security import secrets


@pytest.fixture
def runtime_hooks(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Callable[[], Any]]]:
    """Lambda's `snapshot_restore_py` (it ships with the managed runtime, not with us), recording."""
    registered: dict[str, list[Callable[[], Any]]] = {"before": [], "after": []}
    library = types.ModuleType("snapshot_restore_py")
    library.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    library.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", library)
    return registered


def test_hooks_are_registered_in_a_snapstart_process_only(
    runtime_hooks: dict[str, list[Callable[[], Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an on-demand process, When the package registers its hooks, Then nothing is registered
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    assert process.register_snapstart_hooks() is False
    assert runtime_hooks == {"before": [], "after": []}
    # Given a SnapStart process, Then both hooks are
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    assert process.register_snapstart_hooks() is True
    assert runtime_hooks == {"before": [process.before_snapshot], "after": [process.after_restore]}


def test_before_the_snapshot_the_deferred_imports_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given tracing off (as deployed by default)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    # When the snapshot is about to be taken
    process.before_snapshot()
    # Then everything a first request would import is in memory (the X-Ray SDK only if tracing)
    for name in process.DEFERRED_IMPORTS:
        if name != "aws_xray_sdk":
            assert name in sys.modules, name


def test_after_a_restore_clients_secrets_and_the_random_state_are_new(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a process that built a client, cached a secret and drew random numbers before its snapshot
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(secrets, "_cache", {"app-secret": (0.0, "value")})
    before = client("dynamodb")
    state = random.getstate()
    # When an environment is restored from the snapshot
    process.after_restore()
    # Then its clients are built anew (new connections, credentials resolved again)
    assert client("dynamodb") is not before
    # and no cached secret survives
    assert secrets._cache == {}
    # and the random generator does not replay the snapshot's sequence
    replayed = random.Random()
    replayed.setstate(state)
    assert [random.random() for _ in range(4)] != [replayed.random() for _ in range(4)]
