"""boto3 clients, created once per process and shared.

Clients honour `AWS_ENDPOINT_URL` (how local runs reach the embedded AWS); nothing here reads
deployment settings. They come from one boto3 session per process, so the endpoint data and
defaults botocore parses for a client, and the credentials it resolves, are read once, not once
per client.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _session() -> Any:
    # boto3 is imported here, by the first client: a function whose request makes no AWS call (the
    # health check) never loads it
    import boto3

    return boto3.session.Session()


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
