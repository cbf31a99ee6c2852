"""The audit for a terminal and for CI: the matrix, the findings, a progress line, JUnit XML —
each made from the audit's JSON document (``audit.document``), as the HTML and SARIF are."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .audit import Cell, short_name
from .findings import HOLDS, INCONCLUSIVE, NOT_APPLICABLE, VIOLATED

_COLOURS = {VIOLATED: "\033[31m", HOLDS: "\033[32m", INCONCLUSIVE: "\033[33m"}
#: At most this many lines of one finding's message are printed (the JSON keeps them all).
MESSAGE_LINES = 30


def _paint(text: str, status: str, colour: bool) -> str:
    return f"{_COLOURS[status]}{text}\033[0m" if colour and status in _COLOURS else text


def _cells(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["sut"], c["invariant"]): c for c in doc["results"]}


def matrix(doc: dict[str, Any], colour: bool = False) -> str:
    """One row per invariant (severity, title), one column per SUT: ``holds``, ``VIOLATED``
    with its finding count, ``inconclusive`` or ``n/a``."""
    cells = _cells(doc)
    names = [short_name(spec) for spec in doc["suts"]]
    widths = [max(len(name), len(INCONCLUSIVE)) for name in names]
    rows = [inv for inv in doc["invariants"] if any((s, inv["id"]) in cells for s in doc["suts"])]
    label = max(len(inv["id"]) for inv in doc["invariants"]) + 11
    lines = ["".ljust(label) + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    for inv in rows:
        shown = []
        for spec, width in zip(doc["suts"], widths, strict=True):
            cell = cells.get((spec, inv["id"]))
            status = cell["status"] if cell else "-"
            text = status
            if cell and status == VIOLATED:
                text = f"VIOLATED {len(cell['findings'])}"
            shown.append(_paint(text.ljust(width), status, colour))
        lines.append(f"{inv['id']} ({inv['severity']})".ljust(label) + "  ".join(shown))
        lines.append(f"  {inv['title']}")
    return "\n".join(lines)


def _error(error: dict[str, str] | None) -> str:
    if not error:
        return ""
    return f"{error['class']}({error['reason']!r}): {error['message']}"


def finding_text(finding: dict[str, Any]) -> str:
    """One finding: its sub-check, class and reach, the message, the SUT's error, the
    counterexample's table and arguments, and how to reproduce it."""
    where = (
        ""
        if finding["found_while"] == finding["row"]
        else f", met checking {finding['found_while']}"
    )
    head = (
        f"{finding['id']} — {finding['severity']} {finding['kind']}, reach {finding['reach']}"
        f"{where}: {finding['title']}"
    )
    body = finding["message"].splitlines()
    if len(body) > MESSAGE_LINES:
        body = [*body[:MESSAGE_LINES], f"… ({len(body) - MESSAGE_LINES} more lines in --json)"]
    lines = [head, *(f"    {line}" for line in body)]
    if finding.get("error"):
        lines.append(f"    the SUT said: {_error(finding['error'])}")
    for name, value in finding.get("counterexample", ()):
        lines.append(f"    | {name:<10} {value}")
    if finding.get("falsifying"):
        lines += [f"    {line}" for line in finding["falsifying"].splitlines()[:8]]
    if finding.get("blob"):
        lines.append(f"    {finding['blob']}")
    if finding.get("reproduce"):
        lines.append(f"    reproduce: {finding['reproduce']}")
    return "\n".join(lines)


def findings_report(doc: dict[str, Any]) -> str:
    """Per SUT, every finding (most severe first, gated ones marked) and every inconclusive
    row with the control it could not get past."""
    parts = []
    cells = _cells(doc)
    for spec in doc["suts"]:
        mine = [c for (s, _), c in cells.items() if s == spec]
        found = [f for c in mine for f in c["findings"]]
        undecided = [c for c in mine if c["status"] == INCONCLUSIVE]
        if not found and not undecided:
            continue
        block = [f"== {spec}: {len(found)} finding(s), {len(undecided)} inconclusive"]
        block += [finding_text(f) for f in found]
        block += [f"{c['invariant']} — inconclusive: {c['reason']}" for c in undecided]
        parts.append("\n\n".join(block))
    return "\n\n".join(parts)


def progress_line(cell: Cell, colour: bool) -> str:
    """A cell as it finishes."""
    status = _paint(cell.status, cell.status, colour)
    count = f" ({len(cell.findings)} findings)" if cell.findings else ""
    return f"[{short_name(cell.sut)}] {cell.invariant}: {status}{count} ({cell.seconds:.1f}s)"


def write_junit(doc: dict[str, Any], path: Path) -> None:
    """JUnit XML: a test suite per SUT, a test case per invariant — failed with every finding,
    errored when inconclusive, skipped when not applicable."""
    root = ET.Element("testsuites", name="clerk-harness audit")
    cells = _cells(doc)
    for spec in doc["suts"]:
        mine = [c for (s, _), c in cells.items() if s == spec]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=spec,
            tests=str(len(mine)),
            failures=str(sum(c["status"] == VIOLATED for c in mine)),
            errors=str(sum(c["status"] == INCONCLUSIVE for c in mine)),
            skipped=str(sum(c["status"] == NOT_APPLICABLE for c in mine)),
        )
        for cell in mine:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=spec,
                name=cell["invariant"],
                time=f"{cell['seconds']:.3f}",
            )
            if cell["status"] == VIOLATED:
                ids = ", ".join(f["id"] for f in cell["findings"])
                failure = ET.SubElement(case, "failure", message=f"{cell['invariant']}: {ids}")
                failure.text = "\n\n".join(finding_text(f) for f in cell["findings"])
            elif cell["status"] == INCONCLUSIVE:
                error = ET.SubElement(case, "error", message=f"{cell['invariant']} inconclusive")
                error.text = cell["reason"]
            elif cell["status"] == NOT_APPLICABLE:
                ET.SubElement(case, "skipped", message=cell["reason"] or "not applicable")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
