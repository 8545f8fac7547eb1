"""Secrets Manager values, fetched once per cold start and kept for a few minutes."""

from __future__ import annotations

import json
import time
from typing import Any

from docket.aws import client

_TTL_S = 300
_cache: dict[str, tuple[float, str]] = {}


def secret_string(secret_id: str) -> str:
    cached = _cache.get(secret_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    value = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    _cache[secret_id] = (time.monotonic() + _TTL_S, value)
    return str(value)


def secret_json(secret_id: str) -> Any:
    return json.loads(secret_string(secret_id))


def forget_secrets() -> None:
    _cache.clear()
