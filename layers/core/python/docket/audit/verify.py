"""Verifying an organization's audit chain: walk it in order and report the first broken link.

The walk reads the chain head (one consistent GetItem), then the entries in chain order from GSI2
(`ORG#<org>#AUDIT`, sorted by `<at>#<sequence>`), one page at a time: memory holds one page (up to
1 MB), whatever the trail's length. Each entry must have the next sequence number, name the
previous entry's hash, and hash (SHA-256 of `docket.data.audit.canonical`) to what it stores; the
last must be the head. The first entry where that fails is the broken link:

- `hash_mismatch`: the entry was altered (what it records no longer hashes to its `hash`);
- `previous_hash_mismatch`: it does not follow the entry before it (one of the two was replaced);
- `sequence_gap`: entries are missing before it (deleted); `out_of_order`: a sequence repeats;
- `missing_tail`: the head counts entries the trail no longer has (the newest were deleted);
- `head_mismatch`: the last entry is not the one the head names.

Cost: one Query per ~1,000 entries (1 MB pages, ~0.1 read unit per entry, eventually consistent);
a million entries are ~1,000 Queries, ~100,000 read units (~$0.025 on demand), ~30 s. The API
(`GET /audit-logs/verify`) checks `API_BUDGET` entries per call and hands back a cursor to go on;
the command walks the whole chain:

    python -m docket.audit.verify ORG_ID        (the functions' DOCKET_* environment)
    make audit-verify ORG=org_…                 (against `make dev`)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from docket.api.pagination import Scope, decode_cursor, encode_cursor
from docket.audit.schemas import BrokenLink, ChainProblem, ChainReport
from docket.data import audit
from docket.data.audit import AuditEntry
from docket.errors import ValidationFailed
from docket.security import permissions
from docket.security.principal import Principal

#: entries one API call checks (about five Queries)
API_BUDGET = 5_000
_PAGE = 1_000


@dataclass(frozen=True)
class Position:
    """The last entry verified: where a walk resumes."""

    sequence: int
    hash: str
    order: str


def walk(
    org_id: str, *, after: Position | None = None, budget: int | None = None
) -> tuple[ChainReport, Position | None]:
    """Check the chain from `after` (or its start), at most `budget` entries; the report, and where
    to resume when the walk stopped before the head."""
    head = audit.read_head(org_id)
    head_sequence = int(head.sequence) if head else 0
    head_hash = head.hash if head else audit.GENESIS_HASH
    expected = (after.sequence if after else 0) + 1
    previous = after.hash if after else audit.GENESIS_HASH
    position = after
    checked = 0
    broken: BrokenLink | None = None
    stopped_early = False

    entries = AuditEntry.gsi2.query(
        audit.trail_partition(org_id),
        AuditEntry.gsi2sk > after.order if after else None,
        scan_index_forward=True,
        page_size=_PAGE,
    )
    for entry in entries:
        if not isinstance(entry, AuditEntry):
            continue
        sequence = int(entry.sequence)
        if sequence > head_sequence and sequence >= expected:
            break  # written after the head was read: beyond this walk
        if budget is not None and checked >= budget:
            stopped_early = True
            break
        broken = _check(entry, expected, previous)
        if broken is not None:
            break
        previous, expected, checked = entry.hash, expected + 1, checked + 1
        position = Position(sequence, entry.hash, str(entry.gsi2sk))

    through = expected - 1
    if broken is None and not stopped_early:
        broken = _check_end(org_id, head, through, previous)
    report = ChainReport(
        valid=broken is None,
        complete=not stopped_early or broken is not None,
        checked=checked,
        from_sequence=(after.sequence if after else 0) + 1,
        through_sequence=through,
        head_sequence=head_sequence,
        head_hash=head_hash,
        broken_link=broken,
    )
    return report, position if stopped_early and broken is None else None


def _check(entry: AuditEntry, expected: int, previous: str) -> BrokenLink | None:
    sequence = int(entry.sequence)
    if sequence > expected:
        missing = str(expected) if sequence == expected + 1 else f"{expected}-{sequence - 1}"
        return BrokenLink(
            sequence=expected,
            entry_id=None,
            problem=ChainProblem.SEQUENCE_GAP,
            message=f"entry {missing} is missing: entry {sequence} ({entry.id}) follows entry {expected - 1}",
            expected=str(expected),
            found=str(sequence),
        )
    if sequence < expected:
        return BrokenLink(
            sequence=sequence,
            entry_id=entry.id,
            problem=ChainProblem.OUT_OF_ORDER,
            message=f"entry {entry.id} repeats sequence {sequence} where {expected} was expected",
            expected=str(expected),
            found=str(sequence),
        )
    if entry.previous_hash != previous:
        return BrokenLink(
            sequence=sequence,
            entry_id=entry.id,
            problem=ChainProblem.PREVIOUS_HASH_MISMATCH,
            message=f"entry {sequence} ({entry.id}) does not name the hash of entry {sequence - 1}",
            expected=previous,
            found=entry.previous_hash,
        )
    computed = audit.hash_of(entry)
    if computed != entry.hash:
        return BrokenLink(
            sequence=sequence,
            entry_id=entry.id,
            problem=ChainProblem.HASH_MISMATCH,
            message=f"entry {sequence} ({entry.id}) was altered: its content no longer hashes to its hash",
            expected=computed,
            found=entry.hash,
        )
    return None


def _check_end(org_id: str, head: audit.AuditHead | None, through: int, previous: str) -> BrokenLink | None:
    if head is None:
        return None
    sequence = int(head.sequence)
    if through < sequence:
        return BrokenLink(
            sequence=through + 1,
            entry_id=None,
            problem=ChainProblem.MISSING_TAIL,
            message=f"the head counts {sequence} entries; the trail ends at entry {through}",
            expected=str(sequence),
            found=str(through),
        )
    if head.hash != previous:
        return BrokenLink(
            sequence=sequence,
            entry_id=head.last_id,
            problem=ChainProblem.HEAD_MISMATCH,
            message=f"the head names entry {head.last_id}'s hash, which is not the last entry's",
            expected=head.hash,
            found=previous,
        )
    return None


# ---------------------------------------------------------------------------------------------
# the API: bounded work per call, a signed cursor to go on


def _scope(org_id: str) -> Scope:
    return Scope(tenant=org_id, query={"route": "audit-logs/verify"})


def verify(principal: Principal, cursor: str | None = None) -> ChainReport:
    principal.require(permissions.AUDIT_READ)
    after = None
    if cursor:
        position = decode_cursor(_scope(principal.org_id), cursor)
        try:
            after = Position(int(position["s"]), str(position["h"]), str(position["o"]))
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(
                "Invalid cursor", details=[{"field": "cursor", "message": "invalid cursor"}]
            ) from None
    report, resume = walk(principal.org_id, after=after, budget=API_BUDGET)
    if resume is not None:
        next_cursor = encode_cursor(
            _scope(principal.org_id), {"s": resume.sequence, "h": resume.hash, "o": resume.order}
        )
        report = report.model_copy(update={"next_cursor": next_cursor})
    return report


# ---------------------------------------------------------------------------------------------
# the command


def verify_all(org_id: str) -> ChainReport:
    """The whole chain, page by page (what the command runs)."""
    report, _ = walk(org_id)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docket.audit.verify", description=__doc__.split("\n")[0])
    parser.add_argument("org_id", help="the organization whose chain to verify (org_…)")
    arguments = parser.parse_args(argv)
    report = verify_all(arguments.org_id)
    rendered: dict[str, Any] = report.model_dump(by_alias=True, exclude_none=True)
    print(json.dumps(rendered, indent=2))
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
