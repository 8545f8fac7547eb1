"""Rate limits per caller and category (seed 000's table), counted in the table.

One UpdateItem per request: the hour window's item holds the hour's count and one counter per
minute, so the hourly limit and the per-minute burst are checked in a single atomic round trip.
Counters live under the caller's own partition (`RATE#<caller>`), so no tenant's traffic lands on
another's partition, and expire through TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

from docket import clock
from docket.aws import client
from docket.data.schema import PRIMARY, TTL_ATTRIBUTE
from docket.errors import RateLimited
from docket.settings import get_settings
from docket.topology import RATE_LIMITS, RateCategory

HOUR_S = 3600
MINUTE_S = 60


@dataclass(frozen=True)
class Window:
    """One limit over one fixed window: the hour's quota, or the minute's burst."""

    policy: str
    limit: int
    seconds: int
    hits: int
    reset_epoch: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.hits)

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit


@dataclass(frozen=True)
class RateState:
    """Both windows of a caller's category after this request.

    `X-RateLimit-*` describe one window: the one that blocks on a 429 (the hour when both do, as it
    blocks longer), the hour otherwise, as seed 000 shows them (`1000` / `999`). The IETF fields
    describe both, so a client also sees the burst coming."""

    category: RateCategory
    hour: Window
    minute: Window

    @property
    def blocking(self) -> Window | None:
        return next((w for w in (self.hour, self.minute) if w.exceeded), None)

    @property
    def reported(self) -> Window:
        return self.blocking or self.hour

    @property
    def retry_after(self) -> int | None:
        blocking = self.blocking
        return None if blocking is None else max(1, blocking.reset_epoch - clock.epoch())

    def headers(self) -> dict[str, str]:
        now = clock.epoch()
        windows = (self.hour, self.minute)
        reported = self.reported
        headers = {
            "X-RateLimit-Limit": str(reported.limit),
            "X-RateLimit-Remaining": str(reported.remaining),
            "X-RateLimit-Reset": str(reported.reset_epoch),
            # IETF draft-ietf-httpapi-ratelimit-headers (structured fields): every policy, then
            # what is left of each
            "RateLimit-Policy": ", ".join(f'"{w.policy}";q={w.limit};w={w.seconds}' for w in windows),
            "RateLimit": ", ".join(
                f'"{w.policy}";r={w.remaining};t={max(0, w.reset_epoch - now)}' for w in windows
            ),
        }
        retry_after = self.retry_after
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return headers


def hit(caller: str, category: RateCategory) -> RateState:
    """Count one request; the state says whether it is over a limit (`retry_after` set)."""
    limits = RATE_LIMITS[category]
    now = clock.epoch()
    window = now - now % HOUR_S
    reset = window + HOUR_S
    minute = (now % HOUR_S) // MINUTE_S
    result = client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key={PRIMARY.partition: {"S": f"RATE#{caller}"}, PRIMARY.sort: {"S": f"{category.value}#{window}"}},
        UpdateExpression="ADD #hour :one, #minute :one SET #ttl = if_not_exists(#ttl, :ttl)",
        ExpressionAttributeNames={"#hour": "hits", "#minute": f"m{minute}", "#ttl": TTL_ATTRIBUTE},
        ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(reset + HOUR_S)}},
        ReturnValues="UPDATED_NEW",
    )
    attributes = result["Attributes"]
    return RateState(
        category=category,
        hour=Window(
            policy=category.value,
            limit=limits.per_hour,
            seconds=HOUR_S,
            hits=int(attributes["hits"]["N"]),
            reset_epoch=reset,
        ),
        minute=Window(
            policy=f"{category.value}-burst",
            limit=limits.burst_per_minute,
            seconds=MINUTE_S,
            hits=int(attributes[f"m{minute}"]["N"]),
            reset_epoch=now - now % MINUTE_S + MINUTE_S,
        ),
    )


def enforce(caller: str, category: RateCategory) -> RateState:
    state = hit(caller, category)
    retry_after = state.retry_after
    if retry_after is not None:
        raise RateLimited(retry_after, headers=state.headers())
    return state
