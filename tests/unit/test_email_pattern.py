"""Email addresses the API accepts are addresses mail can be sent to (SES refuses the others)."""

from __future__ import annotations

import re

import pytest

from docket.identity.models import EMAIL_PATTERN


@pytest.mark.parametrize("address", ["ada@firm.example", "o'brien+law@sub.firm.example", "josé@bü.example"])
def test_ordinary_addresses_are_accepted(address: str) -> None:
    assert re.match(EMAIL_PATTERN, address)


@pytest.mark.parametrize(
    "address",
    # the first was a 500 on POST /auth/organization/register (found by the fuzz run): SES could
    # not parse it, "Missing domain"
    [
        "ã@±<\x92DRSÀ}\x10.=p&",
        "<ada@firm.example>",
        "ada@firm.example\x00",
        "a,b@firm.example",
        "a b@firm.example",
    ],
)
def test_addresses_mail_cannot_reach_are_refused(address: str) -> None:
    assert not re.match(EMAIL_PATTERN, address)
