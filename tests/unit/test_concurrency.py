"""ETag / If-Match: a lost update becomes a 412."""

from __future__ import annotations

import pytest

from docket.api import concurrency
from docket.errors import PreconditionFailed


def test_etag_names_the_version() -> None:
    assert concurrency.etag(3) == '"v3"'


@pytest.mark.parametrize("header", [None, "", "*"])
def test_no_precondition_means_any_version(header: str | None) -> None:
    concurrency.check(header, 7)


@pytest.mark.parametrize("header", ['"v7"', 'W/"v7"', '"v7", "v8"'])
def test_matching_versions_pass(header: str) -> None:
    concurrency.check(header, 7)


@pytest.mark.parametrize("header", ['"v6"', '"abc"', "v"])
def test_other_versions_and_foreign_tags_fail(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        concurrency.check(header, 7)
