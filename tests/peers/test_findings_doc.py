"""docs/findings.md's tables say of each finding what the registry declares: a table that
called a conditional sub-check critical while its prose said "conditional" misled the reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.registry import lookup

DOC = Path(__file__).parent.parent.parent / "docs" / "findings.md"
#: A table row: the findings (``ROW/sub, /sub``) and ``kind, reach, severity``.
ROW = re.compile(r"^\| ([A-Z][A-Z-]+/[^|]*?) \| (\w+), (\w+), (\w+) \|", re.MULTILINE)


def table_rows() -> list[tuple[str, str, str, str, str]]:
    """Each finding a table lists, as (finding, kind, reach, severity, line)."""
    found = []
    for match in ROW.finditer(DOC.read_text(encoding="utf-8")):
        named, kind, reach, severity = match.groups()
        row = ""
        for part in re.findall(r"([A-Z][A-Z-]+)?/([a-z0-9-]+)", named):
            row = part[0] or row
            found.append((f"{row}/{part[1]}", kind, reach, severity, match.group(0)))
    return found


def test_the_tables_list_findings() -> None:
    assert len(table_rows()) >= 40


@pytest.mark.parametrize("finding, kind, reach, severity, line", table_rows())
def test_a_table_row_says_what_the_registry_declares(
    finding: str, kind: str, reach: str, severity: str, line: str
) -> None:
    row, _, sub = finding.partition("/")
    declared = lookup(row, sub)
    assert (kind, reach, severity) == (declared.kind, declared.reach, declared.severity), line
