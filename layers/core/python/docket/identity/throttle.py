"""Failed-login throttling: per account and per client address, with a temporary lockout.

Failures are counted in 15-minute windows (one atomic `UpdateItem ADD` each, expiring by TTL).
Past the limit, logins for that account (or from that address) are refused with a 429 and a
`Retry-After` until the window ends — before any password check, so guessing stops costing us
argon2 work too. A successful login clears the account's count.
"""

from __future__ import annotations

from docket import clock
from docket.aws import client
from docket.data.schema import PRIMARY, TTL_ATTRIBUTE
from docket.errors import RateLimited
from docket.settings import get_settings

WINDOW_S = 15 * 60
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20


def _key(subject: str) -> dict[str, dict[str, str]]:
    window = clock.epoch() // WINDOW_S
    return {PRIMARY.partition: {"S": f"LOGINFAIL#{subject}"}, PRIMARY.sort: {"S": str(window)}}


def _retry_after() -> int:
    return max(1, WINDOW_S - clock.epoch() % WINDOW_S)


def _count(subject: str) -> int:
    item = (
        client("dynamodb")
        .get_item(TableName=get_settings().table_name, Key=_key(subject), ConsistentRead=True)
        .get("Item")
    )
    return int(item["failures"]["N"]) if item else 0


def _subjects(email: str, ip: str | None) -> list[tuple[str, int]]:
    subjects = [(f"account#{email.strip().lower()}", MAX_ACCOUNT_FAILURES)]
    # the per-address limit follows the rate-limit switch (off for local end-to-end runs, where
    # every client is 127.0.0.1); the per-account lockout always applies
    if ip and get_settings().rate_limits_enabled:
        subjects.append((f"ip#{ip}", MAX_ADDRESS_FAILURES))
    return subjects


def check(email: str, ip: str | None) -> None:
    """Refuse (429) when the account or the address is locked out."""
    for subject, limit in _subjects(email, ip):
        if _count(subject) >= limit:
            raise RateLimited(_retry_after())


def failed(email: str, ip: str | None) -> None:
    expires = (clock.epoch() // WINDOW_S + 1) * WINDOW_S + WINDOW_S
    for subject, _ in _subjects(email, ip):
        client("dynamodb").update_item(
            TableName=get_settings().table_name,
            Key=_key(subject),
            UpdateExpression="ADD failures :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(expires)}},
        )


def succeeded(email: str) -> None:
    subject, _ = _subjects(email, None)[0]
    client("dynamodb").delete_item(TableName=get_settings().table_name, Key=_key(subject))
