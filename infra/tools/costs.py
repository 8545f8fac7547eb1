"""What a request costs at list prices: API Gateway, Lambda (arm64) and DynamoDB on-demand.

Prices are us-east-1 list prices as published on 2026-12-01 (before any free tier, savings plan or
volume tier), written down once here; `make bench` multiplies them by the calls it counts.
DynamoDB units come from the sizes of the items each call reads or writes (their wire JSON, a
slight over-estimate of DynamoDB's own size), rounded up as DynamoDB rounds them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
PRICED_ON = "2026-12-01"
#: USD
API_GATEWAY_REST_PER_MILLION = 3.50  # REST API requests, first 333 million a month
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_ARM64_PER_GB_SECOND = 0.0000133334
DYNAMODB_WRITE_UNITS_PER_MILLION = 0.625  # on-demand write request units
DYNAMODB_READ_UNITS_PER_MILLION = 0.125  # on-demand read request units
#: What a DynamoDB round trip adds to a warm invocation's billed duration (in-region, typical); the
#: in-process share of the duration comes from the warm benchmark.
ASSUMED_DYNAMODB_ROUND_TRIP_MS = 4.0
#: Memory of the functions (DocketFunction's default; the platform and docs groups have 256 MB).
MEMORY_MB = 512
#: Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB: at 512 MB our
#: in-process time is this machine's (one full core) divided by this share.
CPU_SHARE = MEMORY_MB / 1769


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str).encode())


def _read_units(size: int, *, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


def _write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class Units:
    read: float = 0.0
    write: float = 0.0

    def add(self, other: Units) -> None:
        self.read += other.read
        self.write += other.write


def dynamodb_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> Units:
    """The request units one DynamoDB call consumes (on-demand)."""
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return Units(read=_read_units(_size(response.get("Item") or {}), consistent=consistent))
    if operation == "Query":
        items = response.get("Items") or []
        return Units(read=_read_units(sum(_size(i) for i in items), consistent=consistent))
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return Units(write=_write_units(_size(params.get("Item") or response.get("Attributes") or {})))
    if operation == "TransactWriteItems":
        # every action is a transactional write: twice the units of its item
        return Units(write=sum(2 * _write_units(_size(action)) for action in params.get("TransactItems", [])))
    if operation == "BatchGetItem":
        units = Units()
        for table, items in (response.get("Responses") or {}).items():
            consistent_table = bool((params.get("RequestItems", {}).get(table) or {}).get("ConsistentRead"))
            for item in items:
                units.read += _read_units(_size(item), consistent=consistent_table)
        return units
    if operation == "TransactGetItems":
        items = [r.get("Item") or {} for r in response.get("Responses", [])]
        return Units(read=sum(2 * _read_units(_size(i), consistent=True) for i in items))
    return Units()


@dataclass
class RequestCost:
    """One API request: its Lambda invocations, its billed milliseconds, its DynamoDB units."""

    invocations: int
    billed_ms: float
    units: Units = field(default_factory=Units)
    through_api_gateway: bool = True

    def per_million(self) -> dict[str, float]:
        gb_seconds = self.billed_ms / 1000 * MEMORY_MB / 1024
        costs = {
            "API Gateway": API_GATEWAY_REST_PER_MILLION if self.through_api_gateway else 0.0,
            "Lambda requests": LAMBDA_REQUESTS_PER_MILLION * self.invocations,
            "Lambda duration": gb_seconds * LAMBDA_ARM64_PER_GB_SECOND * 1_000_000,
            "DynamoDB": self.units.read * DYNAMODB_READ_UNITS_PER_MILLION
            + self.units.write * DYNAMODB_WRITE_UNITS_PER_MILLION,
        }
        costs["total"] = sum(costs.values())
        return costs


def billed_ms(own_ms_here: float, round_trips: int) -> float:
    """Billed milliseconds of a warm invocation (rounded up, as Lambda bills): our in-process time on
    this machine scaled to the function's CPU share, plus the assumed DynamoDB round trips."""
    return float(math.ceil(own_ms_here / CPU_SHARE + round_trips * ASSUMED_DYNAMODB_ROUND_TRIP_MS))
