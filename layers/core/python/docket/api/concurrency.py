"""Optimistic concurrency over HTTP: `ETag` carries an item's version, `If-Match` guards writes.

`If-Match` is evaluated as RFC 9110 §13.1.1 says: `*` matches any current representation (the
routes only get here for a resource that exists); otherwise the header is a list of entity tags
and the write proceeds when one of them is the current ETag by strong comparison, so a weak tag
(`W/"v3"`) never matches. Anything else, a header that is not a list of entity tags included,
is a 412 (a client that meant to guard its write never gets an unguarded one). A blank header is
taken as no header.
"""

from __future__ import annotations

import re

from docket.errors import PreconditionFailed

# One element of the list: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, or an empty element, which
# a recipient must accept (RFC 9110 §8.8.3, §5.6.1); then a comma or the end.
_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([^"]*)")?[ \t]*(,|$)')


def etag(version: int | None) -> str:
    return f'"v{version or 0}"'


def entity_tags(if_match: str) -> list[tuple[bool, str]] | None:
    """`[(weak, opaque-tag), …]` of an `If-Match` list, or None when it is not such a list."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while (found := _ELEMENT.match(if_match, position)) is not None:
        if found.group(2) is not None:
            tags.append((found.group(1) is not None, found.group(2)))
        if not found.group(3):
            return tags
        position = found.end()
    return None


def matches(if_match: str, current_version: int | None) -> bool:
    if if_match.strip() == "*":
        return True
    tags = entity_tags(if_match)
    current = etag(current_version).strip('"')
    return tags is not None and any(not weak and tag == current for weak, tag in tags)


def check(if_match: str | None, current_version: int | None) -> None:
    """412 unless `If-Match` is absent (or blank, as many clients send it) or matches the current version."""
    if if_match is None or not if_match.strip() or matches(if_match, current_version):
        return
    if entity_tags(if_match) is None and if_match.strip() != "*":
        raise PreconditionFailed('If-Match must be `*` or a list of entity tags such as "v3"')
    raise PreconditionFailed()
