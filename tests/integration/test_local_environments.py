"""The emulator's execution environments (worker processes, `infra.local.environments`): one slow
invocation does not queue the others, module state is per environment, errors, crashes and timeouts
behave as on Lambda, and a warm environment follows the emulator's settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from docket.settings import Settings
from infra.local.environments import Environments, InvocationError, InvocationTimeout, WorkerLost
from infra.local.pumps import wait_until

SLOW = Path(__file__).parent / "functions" / "slow.py"


def pool(**options: Any) -> Environments:
    options.setdefault("source_of", lambda function: SLOW)
    return Environments(**options)


@pytest.fixture
def environments() -> Iterator[Environments]:
    running = pool()
    yield running
    running.close()


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


class Blocker:
    """An invocation of `slow` that blocks until released (files: the processes share no memory)."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.started = tmp_path / f"{name}.started"
        self.release_file = tmp_path / f"{name}.release"

    @property
    def event(self) -> dict[str, Any]:
        return {"do": "block", "started": str(self.started), "release": str(self.release_file)}

    def wait_started(self) -> int:
        assert wait_until(self.started.exists, timeout=30), "the blocking invocation never started"
        return int(self.started.read_text())

    def release(self) -> None:
        self.release_file.write_text("go")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_slow_invocation_does_not_queue_the_others(
    environments: Environments, threads: ThreadPoolExecutor, tmp_path: Path
) -> None:
    # Given an invocation blocked inside its handler
    blocker = Blocker(tmp_path, "first")
    blocked: Future[Any] = threads.submit(environments, "slow", blocker.event)
    busy_pid = blocker.wait_started()
    # When another request for the same function arrives
    quick = environments("slow", {})
    # Then it is served by another environment while the first is still blocked
    assert not blocked.done()
    assert quick["pid"] != busy_pid
    blocker.release()
    assert blocked.result(timeout=30)["pid"] == busy_pid


def test_module_state_is_per_environment_and_a_warm_one_is_reused(environments: Environments) -> None:
    # When one function is invoked three times in a row
    replies = [environments("slow", {}) for _ in range(3)]
    # Then one warm environment served all three, its module state carried over, and the handler
    # saw a Lambda context with the function's timeout
    assert len({r["pid"] for r in replies}) == 1
    assert [r["invocations"] for r in replies] == [1, 2, 3]
    assert 20_000 < replies[0]["remainingMs"] <= 29_000
    # and another function (the same code) has its own environment and state
    other = environments("other", {})
    assert (other["invocations"], other["pid"] != replies[0]["pid"]) == (1, True)


def test_a_handler_exception_is_an_invocation_error_and_the_environment_stays_warm(
    environments: Environments,
) -> None:
    first = environments("slow", {})
    with pytest.raises(InvocationError) as failed:
        environments("slow", {"do": "fail"})
    assert (failed.value.error_type, str(failed.value)) == ("ValueError", "the handler refused")
    assert any("the handler refused" in line for line in failed.value.trace)
    assert environments("slow", {})["pid"] == first["pid"]


def test_a_crashed_environment_is_an_invocation_error_and_is_replaced(environments: Environments) -> None:
    first = environments("slow", {})
    with pytest.raises(WorkerLost):
        environments("slow", {"do": "crash"})
    assert not alive(first["pid"]) or wait_until(lambda: not alive(first["pid"]))
    replacement = environments("slow", {})
    assert replacement["pid"] != first["pid"]
    assert replacement["invocations"] == 1  # a fresh environment: a cold start


def test_a_timeout_ends_that_environment() -> None:
    environments = pool(timeout_of=lambda function: 1.5)
    try:
        first = environments("slow", {})
        with pytest.raises(InvocationTimeout, match=r"Task timed out after 1\.50 seconds"):
            environments("slow", {"do": "sleep"})
        assert wait_until(lambda: not alive(first["pid"]))
        assert environments("slow", {})["pid"] != first["pid"]
    finally:
        environments.close()


def test_a_reply_that_is_not_json_is_an_invocation_error(environments: Environments) -> None:
    with pytest.raises(InvocationError) as failed:
        environments("slow", {"do": "not json"})
    assert failed.value.error_type == "Runtime.MarshalError"


def test_a_warm_environment_follows_the_emulators_settings(
    aws: Settings, environments: Environments, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a warm environment that has read its settings
    assert environments("slow", {"do": "settings"}) == {"table": aws.table_name}
    pid = environments("slow", {})["pid"]
    # When the emulator's settings change (a reset renews secret ARNs; configure() changes fields)
    monkeypatch.setenv("DOCKET_TABLE_NAME", "docket-local-other-table")
    # Then the same environment reads the new ones
    assert environments("slow", {"do": "settings"}) == {"table": "docket-local-other-table"}
    assert environments("slow", {})["pid"] == pid


def test_environments_are_capped_per_function_and_in_all_and_reaped_when_idle(
    threads: ThreadPoolExecutor, tmp_path: Path
) -> None:
    environments = pool(per_function=2, total=3)
    try:
        # Given two invocations of one function blocked (its cap)
        blockers = [Blocker(tmp_path, f"b{n}") for n in range(2)]
        running = [threads.submit(environments, "slow", b.event) for b in blockers]
        for blocker in blockers:
            blocker.wait_started()
        # When a third arrives, it waits; another function still gets the last environment
        waiting = threads.submit(environments, "slow", {})
        assert environments("other", {})["invocations"] == 1
        assert not waiting.done()
        assert environments.counts() == {"slow": 2, "other": 1}
        # Then releasing one lets the waiting invocation run in the freed (warm) environment
        blockers[0].release()
        assert waiting.result(timeout=30)["invocations"] == 2
        blockers[1].release()
        for future in running:
            future.result(timeout=30)
        # and idle environments are reaped, their processes ended
        pids = environments.pids()
        assert len(pids) == 3
        assert environments.reap(idle_s=0) == 3
        assert environments.counts() == {}
        assert wait_until(lambda: not any(alive(pid) for pid in pids))
    finally:
        environments.close()


def test_at_the_total_cap_an_idle_environment_of_another_function_makes_room() -> None:
    environments = pool(per_function=2, total=2)
    try:
        first, second = environments("a", {}), environments("b", {})
        third = environments("c", {})  # evicts the least recently used idle one: a's
        assert environments.counts() == {"b": 1, "c": 1}
        assert wait_until(lambda: not alive(first["pid"]))
        assert alive(second["pid"])
        assert third["invocations"] == 1
    finally:
        environments.close()
