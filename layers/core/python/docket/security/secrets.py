"""Secrets Manager values, fetched once per cold start and kept for a few minutes.

Reads name the `AWSCURRENT` stage explicitly: during a rotation the secret also holds an
`AWSPENDING` version, which nothing but the rotation function may read (and moto, unlike AWS, keeps
answering a stage-less read with the version that was current before a rotation moved the stage).
"""

from __future__ import annotations

import json
from typing import Any

from docket import clock
from docket.aws import client

#: How long a process keeps a secret's value before reading it again.
CACHE_TTL_S = 300
CURRENT = "AWSCURRENT"
#: secret id → (monotonic time it was fetched, value)
_cache: dict[str, tuple[float, str]] = {}
#: secret id → monotonic time of its last forced reload
_reloaded: dict[str, float] = {}


def _fetch(secret_id: str) -> str:
    value = str(
        client("secretsmanager").get_secret_value(SecretId=secret_id, VersionStage=CURRENT)["SecretString"]
    )
    _cache[secret_id] = (clock.monotonic(), value)
    return value


def secret_string(secret_id: str) -> str:
    cached = _cache.get(secret_id)
    if cached and clock.monotonic() - cached[0] < CACHE_TTL_S:
        return cached[1]
    return _fetch(secret_id)


def reloaded_secret_string(secret_id: str, *, at_most_every_s: float) -> str | None:
    """The secret fetched again, bypassing the cache — or None when this process already forced a
    reload of it less than `at_most_every_s` ago (callers a client can trigger stay cheap)."""
    last = _reloaded.get(secret_id)
    if last is not None and clock.monotonic() - last < at_most_every_s:
        return None
    _reloaded[secret_id] = clock.monotonic()
    return _fetch(secret_id)


def secret_json(secret_id: str) -> Any:
    return json.loads(secret_string(secret_id))


def forget_secrets() -> None:
    _cache.clear()
    _reloaded.clear()
