"""Pagination: native signed cursors, plus `page`/`limit` and `limit`/`offset` for the seeds' clients.

A cursor is `<payload>.<hmac>`; the payload holds where to resume (a DynamoDB key, or an offset for
lists sorted in memory), the tenant and a hash of the query it belongs to. A cursor that was forged,
altered, or minted for another tenant or another query is a 400 — never a 500, never a leak.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Query

from docket.api.models import Pagination
from docket.errors import ValidationFailed
from docket.security.signing import b64url, b64url_decode, sign, verify

if TYPE_CHECKING:
    from docket.data.listing import Window

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Page-number and offset paging read through the list from its start; bound that work.
MAX_PAGE = 100
MAX_OFFSET = 9_900
MAX_SKIP = MAX_PAGE * MAX_LIMIT
_PURPOSE = "cursor"

T = TypeVar("T")

# Query parameters every list route declares (one definition, so the spec and the checks agree).
PageNumber = Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="Page number (1-based)")]
Limit = Annotated[
    int | None, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (default {DEFAULT_LIMIT})")
]
Offset = Annotated[int | None, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]
Cursor = Annotated[str | None, Query(max_length=2048, description="`nextCursor` of the previous page")]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None = None
    page: int | None = None
    offset: int | None = None

    @property
    def skip(self) -> int:
        if self.page is not None:
            return (self.page - 1) * self.limit
        return self.offset or 0


@dataclass(frozen=True)
class Scope:
    """What a cursor is bound to: the tenant and the query (filters and sort)."""

    tenant: str
    query: Mapping[str, Any]

    def digest(self) -> str:
        canonical = json.dumps(
            {k: v for k, v in self.query.items() if v is not None}, sort_keys=True, default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    pagination: Pagination


def page_request(
    *,
    limit: int | None,
    cursor: str | None = None,
    page: int | None = None,
    offset: int | None = None,
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = MAX_LIMIT,
) -> PageRequest:
    size = default_limit if limit is None else limit
    problems = []
    if not 1 <= size <= max_limit:
        problems.append({"field": "limit", "message": f"must be between 1 and {max_limit}"})
    if page is not None and page < 1:
        problems.append({"field": "page", "message": "must be 1 or more"})
    if offset is not None and offset < 0:
        problems.append({"field": "offset", "message": "must be 0 or more"})
    if sum(x is not None for x in (cursor, page, offset)) > 1:
        problems.append({"field": "cursor", "message": "use one of cursor, page or offset"})
    if problems:
        raise ValidationFailed("Invalid pagination parameters", details=problems)
    request = PageRequest(limit=size, cursor=cursor or None, page=page, offset=offset)
    if request.skip > MAX_SKIP:
        raise ValidationFailed(
            "Page is too deep; use the cursor",
            details=[{"field": "page", "message": f"skip at most {MAX_SKIP}"}],
        )
    return request


def encode_cursor(scope: Scope, position: Mapping[str, Any]) -> str:
    payload = json.dumps(
        {"p": position, "t": scope.tenant, "q": scope.digest()}, separators=(",", ":")
    ).encode()
    return f"{b64url(payload)}.{sign(_PURPOSE, payload)}"


def decode_cursor(scope: Scope, cursor: str) -> dict[str, Any]:
    invalid = ValidationFailed(
        "Invalid cursor", details=[{"field": "cursor", "message": "invalid or expired cursor"}]
    )
    try:
        encoded, signature = cursor.split(".", 1)
        payload = b64url_decode(encoded)
    except ValueError as exc:
        raise invalid from exc
    if not verify(_PURPOSE, payload, signature):
        raise invalid
    try:
        body = json.loads(payload)
    except ValueError as exc:
        raise invalid from exc
    if (
        body.get("t") != scope.tenant
        or body.get("q") != scope.digest()
        or not isinstance(body.get("p"), dict)
    ):
        raise invalid
    position: dict[str, Any] = body["p"]
    return position


#: Reads up to `limit` items starting after `start_key` (None = from the start) in list order.
QueryFn = Callable[[int, dict[str, Any] | None], Iterable[T]]


def paginate_query(
    query: QueryFn[T],
    request: PageRequest,
    scope: Scope,
    *,
    key_of: Callable[[T], dict[str, Any]],
    count: Callable[[], int] | None = None,
) -> Page[T]:
    """A page from a DynamoDB query in index order.

    Reads one item past the page to know whether another page exists, so `hasNext` is exact.
    """
    if request.cursor:
        start = decode_cursor(scope, request.cursor).get("k")
        if not isinstance(start, dict):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
        fetched = list(query(request.limit + 1, start))
        items = fetched[: request.limit]
    else:
        fetched = list(query(request.skip + request.limit + 1, None))
        items = fetched[request.skip : request.skip + request.limit]
        fetched = fetched[request.skip :]
    has_next = len(fetched) > request.limit
    next_cursor = encode_cursor(scope, {"k": key_of(items[-1])}) if has_next and items else None
    total = count() if count is not None and request.cursor is None and request.page is not None else None
    return Page(items=items, pagination=_pagination(request, has_next, next_cursor, total))


def paginate_list(items: Sequence[T], request: PageRequest, scope: Scope) -> Page[T]:
    """A page of a list already loaded and sorted in memory (sorts no index can serve)."""
    start = request.skip
    if request.cursor:
        offset = decode_cursor(scope, request.cursor).get("o")
        if not isinstance(offset, int) or offset < 0:
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
        start = offset
    chunk = list(items[start : start + request.limit])
    has_next = start + request.limit < len(items)
    next_cursor = encode_cursor(scope, {"o": start + request.limit}) if has_next else None
    return Page(items=chunk, pagination=_pagination(request, has_next, next_cursor, len(items)))


def _pagination(
    request: PageRequest, has_next: bool, next_cursor: str | None, total: int | None
) -> Pagination:
    pagination = Pagination(limit=request.limit, has_next=has_next, next_cursor=next_cursor, total=total)
    if request.page is not None:
        pages = None if total is None else max(1, -(-total // request.limit))
        pagination = pagination.model_copy(
            update={"page": request.page, "pages": pages, "total_pages": pages, "has_prev": request.page > 1}
        )
    elif request.offset is not None:
        pagination = pagination.model_copy(update={"offset": request.offset, "has_prev": request.offset > 0})
    return pagination


def page_of(
    items: list[T], request: PageRequest, *, next_cursor: str | None, total: int | None = None
) -> Page[T]:
    """A page read some other way (one bounded, filtered Query), with every list's pagination."""
    return Page(items=items, pagination=_pagination(request, next_cursor is not None, next_cursor, total))


def paginate_shards(
    queries: Sequence[QueryFn[T]],
    request: PageRequest,
    scope: Scope,
    *,
    key_of: Callable[[T], dict[str, Any]],
    order_of: Callable[[T], str],
    descending: bool = True,
    count: Callable[[], int] | None = None,
) -> Page[T]:
    """A page of one list written over several shards (partitions), each read by its own query in
    the same order: one Query per shard, merged by `order_of` (unique per item).

    The cursor keeps each shard's position: where its next page starts, `{}` for its beginning,
    or None once it has nothing more."""
    if request.cursor:
        starts = decode_cursor(scope, request.cursor).get("s")
        if not isinstance(starts, list) or len(starts) != len(queries):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
        if not all(start is None or isinstance(start, dict) for start in starts):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
        skip = 0
    else:
        starts = [{} for _ in queries]
        skip = request.skip
    wanted = skip + request.limit + 1
    fetched = [
        list(query(wanted, start or None)) if start is not None else []
        for query, start in zip(queries, starts, strict=True)
    ]
    merged = sorted(
        ((order_of(item), shard, item) for shard, items in enumerate(fetched) for item in items),
        key=lambda entry: entry[0],
        reverse=descending,
    )
    end = skip + request.limit
    consumed = merged[:end]
    positions: list[dict[str, Any] | None] = []
    for shard, start in enumerate(starts):
        taken = [item for _, origin, item in consumed if origin == shard]
        if start is None or (len(taken) == len(fetched[shard]) and len(fetched[shard]) < wanted):
            positions.append(None)  # nothing more in this shard
        elif taken:
            positions.append(key_of(taken[-1]))
        else:
            positions.append(start)
    has_next = len(merged) > end
    next_cursor = encode_cursor(scope, {"s": positions}) if has_next else None
    total = count() if count is not None and request.cursor is None and request.page is not None else None
    items = [item for _, _, item in merged[skip:end]]
    return Page(items=items, pagination=_pagination(request, has_next, next_cursor, total))


def paginate_window(
    read: Callable[[int, dict[str, Any] | None], Window[Any]],
    request: PageRequest,
    scope: Scope,
    *,
    key_of: Callable[[Any], dict[str, Any]],
    count: Callable[[], int] | None = None,
) -> Page[Any]:
    """A page from a bounded read in index order (`docket.data.listing.read`): exact when the read
    found all it was asked for; when its budget ran out first (a filter that drops most items), the
    page is what it found and `nextCursor` resumes where the read stopped."""
    start: dict[str, Any] | None = None
    skip = request.skip
    if request.cursor:
        start = decode_cursor(scope, request.cursor).get("k")
        if not isinstance(start, dict):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            )
        skip = 0
    window = read(skip + request.limit + 1, start)
    fetched = window.items[skip:]
    items = fetched[: request.limit]
    resume: dict[str, Any] | None = None
    if len(fetched) > request.limit:
        resume = key_of(items[-1])
    elif window.resume is not None:
        resume = window.resume
    next_cursor = encode_cursor(scope, {"k": resume}) if resume is not None else None
    total = count() if count is not None and request.cursor is None and request.page is not None else None
    return Page(items=items, pagination=_pagination(request, next_cursor is not None, next_cursor, total))
