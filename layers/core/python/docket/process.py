"""Per-process caches, forgotten together when the environment changes (the emulator, tests, bench).

On Lambda the environment never changes within a process, so nothing calls this there.
"""

from __future__ import annotations

import os
from typing import Any

#: What boto3 clients and PynamoDB connections are bound to once created.
_CONNECTION_ENVIRONMENT = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "DOCKET_TABLE_NAME",
)
_connected_to: tuple[str | None, ...] | None = None


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
    forget_secrets()
    idempotency._runner.cache_clear()
    consumer._store.cache_clear()
    # Clients are costly to build (a tenth of a second each) and hold no state of the account they
    # talk to: they are rebuilt only when what they are bound to changed, not on every reset.
    global _connected_to
    environment = tuple(os.environ.get(name) for name in _CONNECTION_ENVIRONMENT)
    if environment != _connected_to:
        _connected_to = environment
        reset_clients()
        transactions.reset_connection()
        for cls in _model_classes():
            cls._connection = None
