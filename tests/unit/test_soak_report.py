"""The soak benchmark's report: its figures against the goals, and its own section of
docs/benchmarks.md (the other sections belong to `make bench`)."""

from __future__ import annotations

from pathlib import Path

from infra.tools.soak import SECTION, Result, Sample, section, write_section


def samples(*milliseconds: float) -> list[Sample]:
    return [Sample(n, "write", ms / 1000, 201) for n, ms in enumerate(milliseconds)]


def result(first: float, last: float, single: float, growth_mb: int) -> Result:
    return Result(
        single_before=samples(*[single] * 10),
        soak=samples(*[first] * 10, *[last] * 10),
        single_after=samples(*[single] * 10),
        memory_start=100 << 20,
        memory_before=500 << 20,
        memory_after=(500 + growth_mb) << 20,
        main_before=200 << 20,
        main_after=(200 + growth_mb) << 20,
        soak_seconds=10.0,
        cpu_main=1.0,
        cpu_workers=1.0,
        environments_before=6,
        environments=6,
    )


def test_the_report_judges_each_goal() -> None:
    flat = section(result(first=100, last=110, single=50, growth_mb=20), window=10)
    assert "≤ 1.2: met" in flat
    assert "growth < 300 MB: met" in flat
    assert "≤ 3: met" in flat
    grown = section(result(first=100, last=200, single=20, growth_mb=400), window=10)
    assert "≤ 1.2: **not met**" in grown
    assert "growth < 300 MB: **not met**" in grown
    assert "≤ 3: **not met**" in grown


def test_the_soak_section_replaces_only_itself(tmp_path: Path) -> None:
    # Given the bench's file with a soak section between two others
    page = tmp_path / "benchmarks.md"
    page.write_text(
        f"# Benchmarks\n\n## Cold import\n\nold\n\n{SECTION}\n\nstale figures\n\n## Later\n\nkept\n"
    )
    # When the soak writes its section
    write_section(f"{SECTION}\n\nnew figures\n", page)
    # Then the other sections are untouched and the soak's is the new one, once
    text = page.read_text()
    assert "## Cold import\n\nold" in text
    assert "## Later\n\nkept" in text
    assert "new figures" in text
    assert "stale figures" not in text
    assert text.count(SECTION) == 1
