"""The words an entity is found by, and a query's words (docket.data.search): normalized, bounded."""

from __future__ import annotations

import pytest

from docket.data import search
from docket.data.listing import Listing, Order
from docket.data.models import TenantItem
from docket.errors import ValidationFailed


def test_words_are_lower_case_without_accents_split_and_an_email_is_also_whole() -> None:
    # one-letter words ("o" of O'Brien) are not indexed: no query can reach them
    assert search.words("José  O'Brien", "JOSE.obrien@Example.com") == (
        "jose",
        "brien",
        "jose.obrien@example.com",
        "obrien",
        "example",
        "com",
    )


def test_words_are_bounded_in_number_and_length() -> None:
    many = " ".join(f"word{i}" for i in range(40))
    assert len(search.words(many)) == search.MAX_WORDS
    assert search.words("x" * 300) == ("x" * search.MAX_WORD,)


def test_a_query_needs_a_word_of_two_characters() -> None:
    assert search.query_words("John D") == ("john", "d")
    assert search.query_words("Jane@Roe.example") == ("jane@roe.example",)
    with pytest.raises(ValidationFailed):
        search.query_words("j")
    with pytest.raises(ValidationFailed):
        search.query_words("!!")


def test_the_partition_is_the_word_s_first_two_characters_under_the_tenant() -> None:
    assert search.partition("org_A", "client", "johnson") == "ORG#org_A#SEARCH#client#jo"


def test_an_unknown_sort_is_a_400_naming_the_choices() -> None:
    listing = Listing(
        TenantItem, orders={"createdAt": Order(None, lambda org: org)}, aliases={"created_at": "createdAt"}
    )
    assert listing.sort_name("created_at") == "createdAt"
    with pytest.raises(ValidationFailed) as refused:
        listing.sort_name("phone")
    assert refused.value.details == [{"field": "sortBy", "message": "must be one of createdAt"}]
