"""Per-process state: the caches forgotten when the environment changes (the emulator, tests, bench),
the imports a cold start defers, and the SnapStart hooks that use both.

On Lambda the environment never changes within a process, so nothing calls `forget_environment`
there. With SnapStart one initialised process is snapshotted and restored into many execution
environments: before the snapshot the deferred imports are loaded (a restore then pays for none of
them), and after each restore whatever must not be shared between environments is made anew.
"""

from __future__ import annotations

import importlib
import os
import random
from typing import Any

#: Imported on first use by the few routes or invocations that need them, never at a handler's
#: module level (tests/unit/test_cold_imports.py checks every function; `make bench` shows the cost).
DEFERRED_IMPORTS: dict[str, str] = {
    "argon2": "password hashing: sign-up, login, password changes",
    "pyotp": "TOTP codes: the MFA routes",
    "segno": "QR codes: MFA enrolment",
    "aws_xray_sdk": "the X-Ray SDK: the first traced invocation, with -c docket:xraySdk=true",
    "aws_lambda_powertools.utilities.idempotency": "a POST with Idempotency-Key; the queue consumers",
    "boto3": "the first AWS call (a health check makes none)",
}

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


def forget_connections() -> None:
    """Drop every boto3 client and PynamoDB connection (and the credentials they resolved), and the
    stores built on them: the next call builds new ones from the environment."""
    from docket.api import idempotency
    from docket.aws import reset_clients
    from docket.data import transactions
    from docket.events import consumer

    idempotency._runner.cache_clear()
    consumer._store.cache_clear()
    reset_clients()
    transactions.reset_connection()
    for cls in _model_classes():
        cls._connection = None


def forget_environment() -> None:
    from docket.api import idempotency
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
        forget_connections()


# ---------------------------------------------------------------------------------------------
# SnapStart (-c docket:snapStart=true): docs/benchmarks.md, "SnapStart"


def before_snapshot() -> None:
    """Load what the first requests would load, so restored environments start warm."""
    for name in DEFERRED_IMPORTS:
        if name == "aws_xray_sdk" and os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() == "true":
            continue
        importlib.import_module(name)


def after_restore() -> None:
    """Make anew what one snapshot would otherwise share with every environment restored from it:
    the random generator's state, AWS clients (their pooled connections point at hosts the
    snapshotted environment knew, and their credentials were resolved before the snapshot), and
    the cached secrets (their age is counted on a clock the restore does not carry over)."""
    from docket.security.secrets import forget_secrets

    random.seed()  # from os.urandom; `secrets` and ULIDs read os.urandom directly
    forget_connections()
    forget_secrets()


def register_snapstart_hooks() -> bool:
    """Register the hooks with Lambda's runtime when this process is a SnapStart one (Lambda says so
    in `AWS_LAMBDA_INITIALIZATION_TYPE`); the `snapshot_restore_py` library ships with the managed
    Python runtimes, so nothing is loaded elsewhere."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        return False
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
