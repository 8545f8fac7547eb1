"""PynamoDB/botocore failures translated into domain errors, at the edge."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from docket.errors import Conflict, DocketError


def _is_condition_failure(exc: Exception) -> bool:
    if isinstance(exc, TransactWriteError):
        return exc.cause_response_code == "TransactionCanceledException" and any(
            reason is not None and reason.code == "ConditionalCheckFailed"
            for reason in exc.cancellation_reasons
        )
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


@contextmanager
def translate_write_errors(
    message: str | None = None,
    *,
    refusal: Callable[[TransactWriteError], DocketError | None] | None = None,
) -> Iterator[None]:
    """A failed condition (version, uniqueness) becomes a 409 — or, in a transaction, what
    `refusal` says the failed write means; anything else propagates."""
    try:
        yield
    except (PutError, UpdateError, DeleteError, TransactWriteError) as exc:
        if _is_condition_failure(exc):
            meant = refusal(exc) if refusal is not None and isinstance(exc, TransactWriteError) else None
            raise (meant or Conflict(message)) from exc
        raise
