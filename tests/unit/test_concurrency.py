"""ETag / If-Match (RFC 9110 §13.1.1): a lost update becomes a 412."""

from __future__ import annotations

import pytest

from docket.api import concurrency
from docket.errors import PreconditionFailed


def test_etag_names_the_version() -> None:
    assert concurrency.etag(3) == '"v3"'


@pytest.mark.parametrize("header", [None, "", "  ", "*", " * "])
def test_no_precondition_or_a_wildcard_means_any_version(header: str | None) -> None:
    concurrency.check(header, 7)


@pytest.mark.parametrize(
    "header",
    ['"v7"', '"v6", "v7"', '"v7","v8"', ' "v1" ,  "v7" ', '"v6",,"v7"', '"a,b", "v7"', 'W/"v6", "v7"'],
)
def test_a_list_that_names_the_current_version_passes(header: str) -> None:
    concurrency.check(header, 7)


@pytest.mark.parametrize("header", ['"v6"', '"v6", "v8"', '"abc"', 'W/"v7"', 'W/"v6", W/"v7"'])
def test_other_versions_and_weak_tags_fail(header: str) -> None:
    # Given a resource at version 7, when If-Match names only other or weak tags, then it is a 412
    with pytest.raises(PreconditionFailed) as refused:
        concurrency.check(header, 7)
    assert refused.value.message == PreconditionFailed.default_message


@pytest.mark.parametrize("header", ["v7", '"v7" junk', '"v7', "garbage", '*, "v7"'])
def test_a_header_that_is_no_list_of_entity_tags_fails_and_says_so(header: str) -> None:
    with pytest.raises(PreconditionFailed) as refused:
        concurrency.check(header, 7)
    assert "entity tags" in refused.value.message
