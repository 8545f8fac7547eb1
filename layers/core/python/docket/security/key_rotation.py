"""Creating and rotating the signing key set in its Secrets Manager secret (the `keys` function).

- **At deploy time** the custom resource `Custom::DocketSigningKeySet` calls `ensure_key_set`: a
  secret that does not hold a valid key set (CloudFormation created it with a random placeholder)
  gets a fresh one; a valid set is never replaced.
- **Rotation** follows Secrets Manager's four steps, each idempotent per `ClientRequestToken`:
  `createSecret` stages the rotated set as `AWSPENDING`, `setSecret` has nothing to do (the set
  lives only in the secret), `testSecret` checks the pending set parses and its active key signs a
  token that the set verifies, `finishSecret` moves `AWSCURRENT` to it.
  A rotated set has a new active key; the previous one stays (with `retiredAt`) so the tokens it
  signed keep verifying and it stays in the JWKS; keys retired more than a day ago are dropped
  (access tokens live 15 minutes, refresh tokens are not JWTs).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from docket import clock
from docket.aws import client
from docket.observability import logger
from docket.security.keys import InvalidKeySet, KeySet, new_signing_key, parse_key_set

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
#: How long a retired key keeps verifying (and stays published) after a rotation retired it.
RETIRED_KEYS_KEPT_FOR = timedelta(days=1)


class Step(StrEnum):
    CREATE = "createSecret"
    SET = "setSecret"
    TEST = "testSecret"
    FINISH = "finishSecret"


class RotationError(Exception):
    """A rotation step cannot run; Secrets Manager records the failure and retries the rotation."""


def rotated(current: KeySet, *, now: datetime) -> KeySet:
    """`current` with a new active key, the previous ones marked retired (if not already), and the
    keys retired longer than RETIRED_KEYS_KEPT_FOR ago left out."""
    stamp = clock.iso(now)
    oldest_kept = now - RETIRED_KEYS_KEPT_FOR
    kept = []
    for key in current.keys:
        retired = key.retired(stamp)
        retired_at = clock.parse(retired.retired_at)
        if retired_at is None:  # a hand-edited stamp: count from now rather than lose the key early
            retired, retired_at = replace(retired, retired_at=stamp), now
        if retired_at >= oldest_kept:
            kept.append(retired)
    new = new_signing_key()
    return KeySet(active_kid=new.kid, keys=(new, *kept))


def _manager() -> Any:
    return client("secretsmanager")


def _secret_string(secret_id: str, **version: str) -> str | None:
    """The value of one version (`VersionStage=…`, `VersionId=…`), None if there is no such value."""
    manager = _manager()
    try:
        return str(manager.get_secret_value(SecretId=secret_id, **version)["SecretString"])
    except manager.exceptions.ResourceNotFoundException:
        return None


def _valid(raw: str | None) -> KeySet | None:
    if raw is None:
        return None
    try:
        return parse_key_set(raw).check()
    except InvalidKeySet:
        return None


# --- deploy time -----------------------------------------------------------------------------


def ensure_key_set(secret_id: str) -> bool:
    """Give the secret a fresh key set unless it already holds a valid one; True if it wrote one."""
    if _valid(_secret_string(secret_id, VersionStage=CURRENT)) is not None:
        logger.info("the secret already holds a valid key set; kept", extra={"secret_id": secret_id})
        return False
    _manager().put_secret_value(SecretId=secret_id, SecretString=KeySet.fresh().to_json())
    logger.info("wrote a fresh key set", extra={"secret_id": secret_id})
    return True


# --- rotation --------------------------------------------------------------------------------


def rotate(step: str, secret_id: str, token: str) -> None:
    """One step of a Secrets Manager rotation of the key set secret, for version `token`."""
    try:
        chosen = Step(step)
    except ValueError as exc:
        raise RotationError(f"unknown rotation step {step!r}") from exc
    versions: dict[str, list[str]] = (
        _manager().describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
    )
    stages = versions.get(token)
    if stages is not None and CURRENT in stages:
        logger.info("version is already current", extra={"step": step, "token": token})
        return
    if stages is not None and PENDING not in stages:
        raise RotationError(f"version {token} is not staged {PENDING} for rotation")
    # Secrets Manager stages `token` as AWSPENDING before calling createSecret; the put below makes
    # the version if a caller (a test, the emulator) started the steps without it.
    if stages is None and chosen is not Step.CREATE:
        raise RotationError(f"version {token} does not exist")
    logger.info("rotation step", extra={"step": step, "token": token})
    {
        Step.CREATE: _create,
        Step.SET: _set,
        Step.TEST: _test,
        Step.FINISH: _finish,
    }[chosen](secret_id, token, versions)


def _create(secret_id: str, token: str, versions: dict[str, list[str]]) -> None:
    if _secret_string(secret_id, VersionId=token, VersionStage=PENDING) is not None:
        return  # a retry of this step: the pending set exists already
    current = _valid(_secret_string(secret_id, VersionStage=CURRENT))
    # A secret that never got its set (the custom resource did not run) gets one from rotation.
    pending = rotated(current, now=clock.now()) if current is not None else KeySet.fresh()
    _manager().put_secret_value(
        SecretId=secret_id, ClientRequestToken=token, SecretString=pending.to_json(), VersionStages=[PENDING]
    )


def _set(secret_id: str, token: str, versions: dict[str, list[str]]) -> None:
    """Nothing outside the secret holds the keys: the JWKS is read from the secret itself."""


def _test(secret_id: str, token: str, versions: dict[str, list[str]]) -> None:
    raw = _secret_string(secret_id, VersionId=token, VersionStage=PENDING)
    if raw is None:
        raise RotationError(f"version {token} has no pending value")
    try:
        pending = parse_key_set(raw).check()
    except InvalidKeySet as exc:
        raise RotationError(f"the pending key set is invalid: {exc}") from exc
    signer = pending.active
    probe = jwt.encode(
        {"sub": "rotation-test", "iat": clock.epoch()},
        signer.private_key,
        algorithm="RS256",
        headers={"kid": signer.kid},
    )
    verifier = pending.find(jwt.get_unverified_header(probe)["kid"])
    try:
        jwt.decode(probe, verifier.private_key.public_key(), algorithms=["RS256"])
    except jwt.PyJWTError as exc:
        raise RotationError("the pending active key does not verify its own signature") from exc


def _finish(secret_id: str, token: str, versions: dict[str, list[str]]) -> None:
    current = next((vid for vid, stages in versions.items() if CURRENT in stages), None)
    manager = _manager()
    move = {"SecretId": secret_id, "VersionStage": CURRENT, "MoveToVersionId": token}
    if current is not None:
        move["RemoveFromVersionId"] = current
    manager.update_secret_version_stage(**move)
    # AWSPENDING on no version: a later rotation is not mistaken for one still in progress
    manager.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
    logger.info("rotated", extra={"secret_id": secret_id, "token": token, "previous": current})
