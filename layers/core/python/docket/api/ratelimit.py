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


@dataclass(frozen=True)
class RateState:
    category: RateCategory
    limit: int
    remaining: int
    reset_epoch: int
    retry_after: int | None

    def headers(self) -> dict[str, str]:
        now = clock.epoch()
        window_left = max(0, self.reset_epoch - now)
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
            # IETF draft-ietf-httpapi-ratelimit-headers (structured fields)
            "RateLimit-Policy": f'"{self.category.value}";q={self.limit};w={HOUR_S}',
            "RateLimit": f'"{self.category.value}";r={self.remaining};t={window_left}',
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def hit(caller: str, category: RateCategory) -> RateState:
    """Count one request; the state says whether it is over a limit (`retry_after` set)."""
    limits = RATE_LIMITS[category]
    now = clock.epoch()
    window = now - now % HOUR_S
    reset = window + HOUR_S
    minute = (now % HOUR_S) // 60
    result = client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key={PRIMARY.partition: {"S": f"RATE#{caller}"}, PRIMARY.sort: {"S": f"{category.value}#{window}"}},
        UpdateExpression="ADD #hour :one, #minute :one SET #ttl = if_not_exists(#ttl, :ttl)",
        ExpressionAttributeNames={"#hour": "hits", "#minute": f"m{minute}", "#ttl": TTL_ATTRIBUTE},
        ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(reset + HOUR_S)}},
        ReturnValues="UPDATED_NEW",
    )
    attributes = result["Attributes"]
    hour_hits = int(attributes["hits"]["N"])
    minute_hits = int(attributes[f"m{minute}"]["N"])
    retry_after: int | None = None
    if hour_hits > limits.per_hour:
        retry_after = max(1, reset - now)
    elif minute_hits > limits.burst_per_minute:
        retry_after = max(1, 60 - now % 60)
    return RateState(
        category=category,
        limit=limits.per_hour,
        remaining=max(0, limits.per_hour - hour_hits),
        reset_epoch=reset,
        retry_after=retry_after,
    )


def enforce(caller: str, category: RateCategory) -> RateState:
    state = hit(caller, category)
    if state.retry_after is not None:
        raise RateLimited(state.retry_after, headers=state.headers())
    return state
