"""AWS clients, created once per process and shared.

Clients honour `AWS_ENDPOINT_URL` (how local runs reach the embedded AWS); nothing here reads
deployment settings. Every client — boto3's and PynamoDB's — comes from one botocore session per
process, so botocore parses the endpoint data and each service's model, and resolves the
credentials, once: a second DynamoDB client in a session of its own costs as much as the first
(about a tenth of a second of every cold start).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any


@cache
def botocore_session() -> Any:
    """The process's botocore session (PynamoDB's connections use it too: `docket.data.models`).

    botocore is imported here, by the first client: a function whose request makes no AWS call (the
    health check) never loads it. Creating clients is serialised: botocore does not promise it is
    thread-safe on one session, and the local emulator and tests run handlers in threads."""
    import botocore.session

    class Shared(botocore.session.Session):  # type: ignore[misc]
        _lock = threading.RLock()

        def create_client(self, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return super().create_client(*args, **kwargs)

    return Shared()


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session(botocore_session=botocore_session())


@cache
def client(service: str, endpoint_url: str | None = None) -> Any:
    """A shared client; `endpoint_url` only for endpoints that come from settings (WebSocket)."""
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
    if service == "s3":
        config = config.merge(Config(signature_version="s3v4"))
    return _session().client(service, config=config, endpoint_url=endpoint_url)


def reset_clients() -> None:
    """Drop cached clients and their session (the emulator and tests point AWS somewhere else; a
    SnapStart restore needs new connections and credentials)."""
    client.cache_clear()
    _session.cache_clear()
    botocore_session.cache_clear()
