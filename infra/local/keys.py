"""Rotating the signing key set locally, the way Secrets Manager drives the `keys` function.

Secrets Manager's scheduler does not run in moto: `POST /_local/rotate-keys` on the emulator, and the
tests, call the function's four steps for a new version themselves.
"""

from __future__ import annotations

import uuid

from docket.security.key_rotation import Step
from docket.topology import KEYS
from infra.local.invoke import Invoker, invoke
from infra.local.payloads import rotation_event


def rotate_signing_keys(secret_id: str, *, invoker: Invoker = invoke, token: str | None = None) -> str:
    """One rotation of the key set secret (its four steps, in order); returns the new version id."""
    version = token or str(uuid.uuid4())
    for step in Step:
        invoker(KEYS, rotation_event(step.value, secret_id, version))
    return version
