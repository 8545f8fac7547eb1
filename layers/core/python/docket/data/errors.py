"""PynamoDB/botocore failures translated into domain errors, at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from docket.errors import Conflict

#: Why DynamoDB cancels a transaction that another request's change explains: a condition on what
#: was read, or another transaction writing one of the same items at that moment (a shared count).
_RACES = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def _is_condition_failure(exc: Exception) -> bool:
    if isinstance(exc, TransactWriteError):
        return exc.cause_response_code == "TransactionCanceledException" and any(
            reason is not None and reason.code in _RACES for reason in exc.cancellation_reasons
        )
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


@contextmanager
def translate_write_errors(message: str | None = None) -> Iterator[None]:
    """A failed condition (version, uniqueness) or a concurrent transaction on one of the items becomes a
    409; anything else propagates."""
    try:
        yield
    except (PutError, UpdateError, DeleteError, TransactWriteError) as exc:
        if _is_condition_failure(exc):
            raise Conflict(message) from exc
        raise
