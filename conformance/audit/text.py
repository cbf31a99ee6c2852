"""The audit for a terminal and for CI: the matrix, the findings, a progress line, JUnit XML —
each made from the audit's JSON document (``audit.document``), as the HTML and SARIF are."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..capabilities import describe_json
from ..findings import HOLDS, INCONCLUSIVE, NOT_APPLICABLE, VIOLATED
from .run import Cell, short_name

_COLOURS: dict[str, str] = {VIOLATED: "\033[31m", HOLDS: "\033[32m", INCONCLUSIVE: "\033[33m"}
#: At most this many lines of one finding's message are printed (the JSON keeps them all).
MESSAGE_LINES = 30
#: The matrix keeps a column per SUT up to this many SUTs, and while it fits this many
#: characters; past either, a line (wrapped) per SUT names the rows that do not hold.
WIDE_SUTS, WIDTH = 4, 100
#: What marks a finding that trips the gate (``--fail-on``): it alone can make the exit 1.
GATE_TAG = "GATE"
#: How many of the slowest rows ``slowest`` names.
SLOWEST = 3


def _paint(text: str, status: str, colour: bool) -> str:
    return f"{_COLOURS[status]}{text}\033[0m" if colour and status in _COLOURS else text


def _cells(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["sut"], c["invariant"]): c for c in doc["results"]}


def matrix(doc: dict[str, Any], colour: bool = False, width: int = WIDTH) -> str:
    """The matrix: a column per SUT while there are few and it fits ``width``
    (``wide_matrix``), else a line per SUT naming the rows that do not hold
    (``long_matrix``). The self-check first says its VIOLATED cells are expected."""
    wide = wide_matrix(doc, colour)
    fits = max(len(line) for line in wide_matrix(doc).splitlines()) <= width
    shown = wide if len(doc["suts"]) <= WIDE_SUTS and fits else long_matrix(doc, colour, width)
    if doc.get("self_check"):
        note = (
            "Self-check: the reference must hold every row; each catalogue entry must violate "
            "exactly the rows it declares (its VIOLATED cells are expected)."
        )
        shown = "\n".join([*textwrap.wrap(note, width), "", shown])
    return shown


def wide_matrix(doc: dict[str, Any], colour: bool = False) -> str:
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


def long_matrix(doc: dict[str, Any], colour: bool = False, width: int = WIDTH) -> str:
    """A line per SUT — wrapped at ``width``, so the matrix grows downward, not sideways —
    counting the rows that hold and naming every other row by status (a VIOLATED row with its
    finding count)."""
    cells = _cells(doc)
    rows = [inv["id"] for inv in doc["invariants"]]
    names = [short_name(spec) for spec in doc["suts"]]
    column = min(max(map(len, names), default=0), width // 3)
    head = f"{len(doc['suts'])} SUTs, {len({i for _, i in cells})} rows: per SUT, how many "
    lines = textwrap.wrap(head + "of its rows hold, then each row that does not", width)
    for spec, name in zip(doc["suts"], names, strict=True):
        mine = [cells[(spec, row)] for row in rows if (spec, row) in cells]
        parts = [f"{sum(c['status'] == HOLDS for c in mine)} hold"]
        for status in (VIOLATED, INCONCLUSIVE, NOT_APPLICABLE):
            listed = [_listed(c) for c in mine if c["status"] == status]
            if listed:
                parts.append(f"{status}: {', '.join(listed)}")
        text = "; ".join(parts)
        indent = " " * (column + 2)
        wrapped = textwrap.wrap(
            text, width, initial_indent=name.ljust(column) + "  ", subsequent_indent=indent,
            break_on_hyphens=False, break_long_words=False,
        )  # fmt: skip
        lines += [_paint_words(line, colour) for line in wrapped]
    return "\n".join(lines)


def _listed(cell: dict[str, Any]) -> str:
    """A row in the per-SUT matrix: its ID, and for a VIOLATED one its finding count."""
    found = len(cell["findings"])
    return f"{cell['invariant']} ({found})" if cell["status"] == VIOLATED else cell["invariant"]


_STATUS_WORD = re.compile(rf"\b({VIOLATED}|{INCONCLUSIVE}|{HOLDS})\b")


def _paint_words(line: str, colour: bool) -> str:
    """``line`` with each status word in its colour (on a terminal)."""
    return _STATUS_WORD.sub(lambda m: _paint(m.group(1), m.group(1), colour), line)


def _error(error: dict[str, str] | None) -> str:
    if not error:
        return ""
    return f"{error['class']}({error['reason']!r}): {error['message']}"


def finding_text(finding: dict[str, Any], colour: bool = False) -> str:
    """One finding: ``GATE`` when it trips the gate, its sub-check, class and reach, what to
    change, the message, the SUT's error, the counterexample's table and arguments, and how to
    reproduce it."""
    where = (
        ""
        if finding["found_while"] == finding["row"]
        else f", met checking {finding['found_while']}"
    )
    gated = _paint(GATE_TAG, VIOLATED, colour) + " " if finding.get("gated") else ""
    head = (
        f"{gated}{finding['id']} — {finding['severity']} {finding['kind']}, reach "
        f"{finding['reach']}{where}: {finding['title']}"
    )
    body = finding["message"].splitlines()
    if len(body) > MESSAGE_LINES:
        body = [*body[:MESSAGE_LINES], f"… ({len(body) - MESSAGE_LINES} more lines in --json)"]
    lines = [head, *([f"    fix: {finding['fix']}"] if finding.get("fix") else [])]
    lines += [f"    {line}" for line in body]
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


def findings_report(doc: dict[str, Any], colour: bool = False) -> str:
    """Per SUT, what it declares it cannot be configured with, the session shapes it refused
    (once, with their cost), every finding (most severe first, gated ones marked), every
    inconclusive row with the control it could not get past and the VALID-ACCEPTED finding that
    names it (its counterexample), every decided row that refused some of its controls (how
    many, and where they are named), and every n/a row and sub-check with why."""
    parts = []
    cells = _cells(doc)
    for spec in doc["suts"]:
        mine = [c for (s, _), c in cells.items() if s == spec]
        found = [f for c in mine for f in c["findings"]]
        undecided = [c for c in mine if c["status"] == INCONCLUSIVE]
        skipped = [c for c in mine if c["status"] == NOT_APPLICABLE]
        unjudged = [(n["id"], n["reason"]) for c in mine for n in c.get("not_applicable") or ()]
        declared = declaration(doc, spec)
        refused = refused_shapes(mine)
        decided = [c for c in mine if c.get("refusals") and c["status"] in (HOLDS, VIOLATED)]
        if not (found or undecided or skipped or unjudged or declared or refused):
            continue
        gated = sum(bool(f.get("gated")) for f in found)
        block = [
            f"== {spec}: {counted(len(found), 'finding')}, {gated} gated (marked {GATE_TAG}: "
            f"they fail the run), {len(undecided)} inconclusive, {len(skipped)} n/a"
            + (f" (and {counted(len(unjudged), 'sub-check')} n/a)" if unjudged else "")
        ]
        if declared:
            block.append(f"declares: {describe_json(declared)} — judged as it can be configured")
        if refused:
            block.append(refused)
        block += [finding_text(f, colour) for f in found]
        block += [
            "\n".join([f"{c['invariant']} — inconclusive: {c['reason']}", *named_refusals(c)])
            for c in undecided
        ]
        if decided:
            block.append("\n".join(f"{c['invariant']} — {c['refused']}" for c in decided))
        if skipped:
            block.append("\n".join(f"{c['invariant']} — n/a: {_why(c)}" for c in skipped))
        if unjudged:
            block.append("\n".join(f"{sub} — n/a: {why}" for sub, why in unjudged))
        parts.append("\n\n".join(block))
    return "\n\n".join(parts)


def named_refusals(cell: dict[str, Any]) -> list[str]:
    """The counterexample of each VALID-ACCEPTED finding a cell's refusals are named by
    (``refusals.annotate``), once each, as ``finding_text`` shows one."""
    shown: dict[str, list[Any]] = {}
    for refusal in cell.get("refusals") or ():
        for finding in refusal.get("findings") or ():
            shown.setdefault(str(finding.get("id")), finding.get("counterexample") or [])
    return [
        f"    | {ident} {name:<10} {value}" for ident, rows in shown.items() for name, value in rows
    ]


def refused_shapes(cells: list[dict[str, Any]]) -> str:
    """The shapes of Clerk session a SUT refused as controls, each once: how many controls it
    cost over how many rows (each decided on the controls it accepted); ``""``: none."""
    cost: dict[str, list[int]] = {}
    for cell in cells:
        for shape, count in ((cell.get("exercise") or {}).get("refused_shapes") or {}).items():
            controls, rows = cost.get(shape, [0, 0])
            cost[shape] = [controls + int(count), rows + 1]
    if not cost:
        return ""
    said = "; ".join(
        f"{shape} — {counted(controls, 'control')} over {counted(rows, 'row')}"
        for shape, (controls, rows) in sorted(cost.items())
    )
    return (
        f"refused shapes: {said} (each row decided on the controls it accepted; "
        "VALID-ACCEPTED names each shape and instant Clerk mints that was refused)"
    )


def declaration(doc: dict[str, Any], spec: str) -> dict[str, Any] | None:
    """What ``spec`` declares it cannot be configured with (``None``: nothing)."""
    for declared in doc.get("declarations") or ():
        if declared.get("sut") == spec and (declared.get("fixed") or declared.get("unsupported")):
            return dict(declared)
    return None


def slowest(doc: dict[str, Any], count: int = SLOWEST) -> str:
    """The rows that cost the most, with their seconds and what to do about a slow one: a
    slow SUT's owner sees which row to run apart or shard (every row's seconds are in --json)."""
    results = [c for c in doc["results"] if c.get("seconds")]
    if not results:
        return ""
    several = len(doc["suts"]) > 1
    ranked = sorted(results, key=lambda c: -float(c["seconds"]))[:count]
    named = [
        (f"[{short_name(c['sut'])}] " if several else "")
        + f"{c['invariant']} {float(c['seconds']):.1f} s"
        for c in ranked
    ]
    total = sum(float(c["seconds"]) for c in results)
    crowd = doc.get("crowd") or 0
    hint = "run one apart with --invariant ID, or spread the cells with --shard K/N"
    if any(c["invariant"] == "CACHE-ISOLATION" for c in ranked):
        hint += f"; CACHE-ISOLATION's crowd ({crowd:,} identities) shrinks with --crowd N"
    return f"slowest rows: {', '.join(named)}, of {total:.1f} s over all rows ({hint})"


def counted(count: int, noun: str) -> str:
    """``"1 row"``, ``"2 rows"``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def tally(results: list[dict[str, Any]]) -> str:
    """What a set of cells decided: rows, decided (holds, VIOLATED), n/a, inconclusive, and
    the findings, gated ones counted."""
    count = {s: sum(c["status"] == s for c in results) for s in (HOLDS, VIOLATED)}
    undecided = {s: sum(c["status"] == s for c in results) for s in (NOT_APPLICABLE, INCONCLUSIVE)}
    found = [f for c in results for f in c["findings"]]
    return (
        f"{counted(len(results), 'row')}: {count[HOLDS] + count[VIOLATED]} decided "
        f"({count[HOLDS]} hold, {count[VIOLATED]} VIOLATED), {undecided[NOT_APPLICABLE]} n/a, "
        f"{undecided[INCONCLUSIVE]} inconclusive — {counted(len(found), 'finding')}, "
        f"{sum(bool(f.get('gated')) for f in found)} gated"
    )


def closing(doc: dict[str, Any], gate: str) -> str:
    """The last words of an audit: what was decided (per SUT when several) and what was not,
    the gate, and why the exit code is what it is."""
    results = doc["results"]
    lines = [tally(results)]
    if len(doc["suts"]) > 1:
        names = {spec: short_name(spec) for spec in doc["suts"]}
        column = max(map(len, names.values()))
        mine = {spec: [c for c in results if c["sut"] == spec] for spec in doc["suts"]}
        lines = [f"{names[s].ljust(column)}  {tally(mine[s])}" for s in doc["suts"]]
        lines.append(f"{'all'.ljust(column)}  {tally(results)}")
    policy = doc.get("gate", {})
    gated = sum(bool(f.get("gated")) for c in results for f in c["findings"])
    undecided = {s: sum(c["status"] == s for c in results) for s in (NOT_APPLICABLE, INCONCLUSIVE)}
    reasons = [counted(gated, "gated finding")] if gated else []
    if undecided[INCONCLUSIVE] and not policy.get("allow_inconclusive"):
        reasons.append(counted(undecided[INCONCLUSIVE], "inconclusive row"))
    if undecided[NOT_APPLICABLE] and policy.get("fail_on_na"):
        reasons.append(counted(undecided[NOT_APPLICABLE], "n/a row") + " (--fail-on-na)")
    lines.append(f"gate: {gate}")
    code = doc.get("exit_code")
    lines.append(f"exit {code}: " + (", ".join(reasons) if reasons else "nothing gated"))
    if undecided[INCONCLUSIVE] and policy.get("allow_inconclusive"):
        lines.append(
            f"{counted(undecided[INCONCLUSIVE], 'inconclusive row')} not judged "
            "(--allow-inconclusive)"
        )
    if undecided[NOT_APPLICABLE] and not policy.get("fail_on_na"):
        lines.append(
            f"{counted(undecided[NOT_APPLICABLE], 'n/a row')} not judged: exit {code} says "
            "nothing about them (--fail-on-na fails the run on them)"
        )
    return "\n".join(lines)


def _why(cell: dict[str, Any]) -> str:
    """Why a row is n/a, without pytest's ``Skipped:`` and the row's name again."""
    reason = str(cell["reason"]).removeprefix("Skipped: ")
    return reason.removeprefix(f"{cell['invariant']}: not applicable — ") or "not applicable"


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
