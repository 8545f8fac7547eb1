"""Per-process caches, forgotten together when the environment changes (the emulator, tests, bench).

On Lambda the environment never changes within a process, so nothing calls this there.
"""

from __future__ import annotations

from typing import Any


def _model_classes() -> list[Any]:
    from docket.data.models import TableItem

    found: list[Any] = []
    pending: list[Any] = [TableItem]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def forget_environment() -> None:
    from docket.api import idempotency
    from docket.aws import reset_clients
    from docket.data import transactions
    from docket.events import consumer
    from docket.security.secrets import forget_secrets
    from docket.settings import reset_settings

    reset_settings()
    reset_clients()
    forget_secrets()
    transactions.reset_connection()
    idempotency._runner.cache_clear()
    consumer._store.cache_clear()
    for cls in _model_classes():
        cls._connection = None
