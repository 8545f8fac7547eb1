"""Search by words and prefixes, at a bounded cost: index entries written with the entity.

Every searchable entity (a client, later cases and tasks) keeps one small entry per distinct word
of what it is found by (names, email…), written, rewritten and removed in the entity's own
transaction (`reindex`), so the index is never behind the entity:

    pk = ORG#<org>#SEARCH#<kind>#<first two characters of the word>
    sk = <word>#<entityId>
    terms = every word of the entity (so one entry answers a query of several words)

Words are normalized (lower case, accents removed, split at anything but letters and digits; an
email address is also kept whole), at most `MAX_WORDS` per entity, each at most `MAX_WORD`
characters. A search for `jo` or `john d` reads the partition of its longest word's first two
characters, `begins_with` that word: one Query reads only the entries of words that begin with
it, never the tenant's other entities. The other words of the query, and one entry per entity
(an entity whose several words begin with the query is found once, by the first of them), are
checked on the entries read. A search page is therefore one Query (up to `listing.MAX_CALLS`
when the extra words drop entries) plus the `BatchGetItem` of the entities found; docs/access-
patterns.md has the figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute

from docket.data import listing
from docket.data.models import TableItem, org_key
from docket.data.transactions import Transaction
from docket.errors import ValidationFailed

MAX_WORDS = 16
MAX_WORD = 48
#: the partition is chosen by this many leading characters, so a query needs at least as many
BUCKET = 2
_WORD = re.compile(r"[0-9a-z]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class SearchEntry(TableItem, discriminator="search"):
    org_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    word = UnicodeAttribute()
    terms = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def words(*texts: str | None) -> tuple[str, ...]:
    """The words an entity is found by, in the order given, each once, at most `MAX_WORDS`."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        plain = _plain(text)
        candidates = [plain] if _EMAIL.match(plain) else []
        candidates += _WORD.findall(plain)
        for word in candidates:
            word = word[:MAX_WORD]
            if len(word) >= BUCKET and word not in found:
                found.append(word)
    return tuple(found[:MAX_WORDS])


def query_words(term: str) -> tuple[str, ...]:
    """A search string's words (an email address is one word); a 400 when none has `BUCKET` characters."""
    plain = _plain(term)
    found = (plain,) if _EMAIL.match(plain) else tuple(dict.fromkeys(_WORD.findall(plain)))
    found = tuple(word[:MAX_WORD] for word in found)
    if not found or max(len(word) for word in found) < BUCKET:
        raise ValidationFailed(
            "Search needs a word of at least two letters or digits",
            details=[{"field": "search", "message": f"at least {BUCKET} letters or digits"}],
        )
    return found


def partition(org_id: str, kind: str, word: str) -> str:
    return f"{org_key(org_id)}#SEARCH#{kind}#{word[:BUCKET]}"


def _entry(org_id: str, kind: str, entity_id: str, word: str, terms: Sequence[str]) -> SearchEntry:
    return SearchEntry(
        pk=partition(org_id, kind, word),
        sk=f"{word}#{entity_id}",
        org_id=org_id,
        kind=kind,
        entity_id=entity_id,
        word=word,
        terms=list(terms),
    )


def reindex(
    tx: Transaction,
    org_id: str,
    kind: str,
    entity_id: str,
    before: Sequence[str],
    after: Sequence[str],
) -> None:
    """In `tx`: the entity's entries go from the words `before` to `after` (() when it is created
    or deleted). Unchanged words write nothing; otherwise every entry is rewritten (each carries
    the whole word list) and those of words gone are deleted: at most twice `MAX_WORDS` writes."""
    if tuple(before) == tuple(after):
        return
    for word in sorted(set(before) - set(after)):
        tx.delete(_entry(org_id, kind, entity_id, word, ()))
    for word in after:
        tx.save(_entry(org_id, kind, entity_id, word, after))


def find(
    org_id: str, kind: str, term: str, *, wanted: int, start: dict[str, Any] | None
) -> listing.Window[SearchEntry]:
    """Entries of the entities matching every word of `term`, one per entity, in word order."""
    wanted_words = query_words(term)
    lead = max(wanted_words, key=len)
    others = [word for word in wanted_words if word != lead]

    def keep(entry: SearchEntry) -> bool:
        terms: Iterable[str] = entry.terms or ()
        matching = [t for t in terms if t.startswith(lead)]
        first = min(matching) if matching else entry.word
        if entry.word != first:
            return False  # the entity is found by its first word beginning with the query
        return all(any(t.startswith(word) for t in entry.terms or ()) for word in others)

    return listing.read(
        SearchEntry,
        SearchEntry,
        partition(org_id, kind, lead),
        wanted=wanted,
        start=start,
        forward=True,
        range_condition=SearchEntry.sk.startswith(lead),
        keep=keep,
    )
