"""Passwords: argon2id (OWASP parameters) and a strength policy with field-level reasons."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from docket.errors import ValidationFailed

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "welcome123",
        "iloveyou12",
    }
)


@cache
def _hasher() -> PasswordHasher:
    # imported on first use: only sign-up, login and password changes pay for it
    from argon2 import PasswordHasher

    # argon2id, m=19 MiB, t=2, p=1: OWASP's minimum recommendation
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-work check; a missing hash still costs one verification (no user enumeration)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password-for-timing")


def problems(password: str, *, email: str = "", field: str = "password") -> list[dict[str, str]]:
    found = []
    if len(password) < MIN_LENGTH:
        found.append({"field": field, "message": f"must be at least {MIN_LENGTH} characters"})
    if len(password) > MAX_LENGTH:
        found.append({"field": field, "message": f"must be at most {MAX_LENGTH} characters"})
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        found.append(
            {"field": field, "message": "use at least three of: lower case, upper case, digits, symbols"}
        )
    if password.lower() in _COMMON:
        found.append({"field": field, "message": "is too common"})
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        found.append({"field": field, "message": "must not contain your email address"})
    return found


def require_strong(password: str, *, email: str = "", field: str = "password") -> None:
    found = problems(password, email=email, field=field)
    if found:
        raise ValidationFailed("Password does not meet the policy", details=found)
