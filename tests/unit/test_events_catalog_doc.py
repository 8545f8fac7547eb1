"""docs/events.md lists exactly the catalogued events."""

from __future__ import annotations

import re
from pathlib import Path

from docket.events.catalog import CATALOG

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_catalogued_event_is_documented_and_nothing_else() -> None:
    documented = set(
        re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert documented == {event.name for event in CATALOG}
