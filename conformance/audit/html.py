"""The audit document as one self-contained HTML page: figures, the matrix, every finding.

Everything shown is escaped text (findings carry attacker-chosen strings); the page loads
nothing (a Content-Security-Policy of ``default-src 'none'`` says so to the browser too) and
needs no JavaScript: each matrix cell is a ``<details>`` that opens onto its findings, and each
finding's story (its message, line by line) is a ``<details>`` of its own: collapsed to its first
line, complete when opened. A finding that trips the gate is marked ``gated``.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..capabilities import describe_json
from ..findings import KINDS as KIND_ORDER
from ..findings import STATUSES as STATUS_ORDER
from ..findings import finding_order
from .run import short_name

STATUS_CLASS = {
    "holds": "holds",
    "VIOLATED": "violated",
    "inconclusive": "inconclusive",
    "n/a": "na",
}
TEXT_LIMIT = 2_000  # characters of one title or reason shown
VALUE_LIMIT = 4_000  # characters of one counterexample value, blob, command or story line shown

_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CSS = """
:root { --holds: #1a7f37; --holds-bg: #dafbe1; --violated: #cf222e; --violated-bg: #ffebe9;
  --inconclusive: #9a6700; --inconclusive-bg: #fff8c5; --na: #57606a; --na-bg: #eaeef2; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em;
  color: #1f2328; }
h1 { font-size: 1.5em; margin: 0 0 .4em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .5em; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .2em 0; background: #f6f8fa;
  padding: .35em .5em; border-radius: 4px; }
.figures { display: flex; flex-wrap: wrap; gap: .6em; margin: 0 0 .6em; padding: 0; }
.figures div { border: 1px solid #d0d7de; border-radius: 6px; padding: .35em .8em; }
.figures dt { font-size: .8em; color: #57606a; }
.figures dd { margin: 0; font-weight: 600; font-size: 1.1em; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .55em; font-size: .85em;
  border: 1px solid #d0d7de; background: #f6f8fa; white-space: nowrap; }
.matrix { border-collapse: collapse; }
.matrix th, .matrix td { border: 1px solid #d0d7de; padding: .25em .45em; vertical-align: top;
  text-align: left; }
.matrix thead th { background: #f6f8fa; position: sticky; top: 0; }
.matrix thead th.sut { max-width: 14em; overflow-wrap: break-word; vertical-align: bottom; }
.matrix th.inv { white-space: nowrap; }
.cell { min-width: 5.5em; }
.cell summary { cursor: pointer; font-weight: 600; white-space: nowrap; }
.cell .body { min-width: 30em; max-width: 48em; font-weight: normal; }
.status-holds { background: var(--holds-bg); color: var(--holds); }
.status-violated { background: var(--violated-bg); color: var(--violated); }
.status-inconclusive { background: var(--inconclusive-bg); color: var(--inconclusive); }
.status-na { background: var(--na-bg); color: var(--na); }
.status-other, .status-missing { background: #fff; color: #57606a; }
.cell .body, .cell .body * { color: #1f2328; }
.finding { border-left: 4px solid #d0d7de; background: #fff; margin: .5em 0;
  padding: .3em .6em; }
.finding.sev-critical { border-color: #82071e; }
.finding.sev-high { border-color: var(--violated); }
.finding.sev-medium { border-color: #bf8700; }
.finding.sev-low { border-color: #8c959f; }
.finding h4 { margin: .1em 0 .3em; font-size: 1em; }
.finding.gated { outline: 2px solid var(--violated); }
.badge.gated { background: var(--violated); border-color: var(--violated); color: #fff; }
.badge.not-gated { color: #57606a; }
.cell .story summary { cursor: pointer; white-space: normal; font-weight: normal; }
.fix { font-weight: 600; }
.finding table { border-collapse: collapse; width: 100%; }
.finding th, .finding td { border: 1px solid #d0d7de; padding: .15em .4em; vertical-align: top;
  text-align: left; }
.finding th { width: 7.5em; font-weight: 600; background: #f6f8fa; font-size: .9em; }
.counterexample th { width: 6em; overflow-wrap: anywhere; }
.clipped { color: #9a6700; font-style: italic; }
.muted { color: #57606a; }
.mismatches li { color: var(--violated); }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _visible(text: str) -> str:
    """Control characters and lone surrogates as ``\\uNNNN`` escapes: seen, and encodable."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
    """``value`` as escaped HTML text, cut at ``limit`` characters with a note saying so."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    note = ""
    if len(text) > limit:
        note = f'<span class="clipped">… {len(text) - limit:,} more characters not shown</span>'
        text = text[:limit]
    return html.escape(_visible(text), quote=True) + note


def _token(value: Any) -> str:
    """``value`` reduced to a CSS class-name fragment (letters, digits, hyphens)."""
    return re.sub(r"[^a-z0-9-]+", "-", str(value).lower())[:40] or "none"


def _attr(value: Any) -> str:
    """``value`` escaped for a quoted attribute (short: attributes are never the payload)."""
    return html.escape(_visible(str(value))[:200], quote=True)


def status_class(status: Any) -> str:
    """The CSS class of a cell's status."""
    return f"status-{STATUS_CLASS.get(status, 'other')}" if status else "status-missing"


def _seconds(value: Any) -> str:
    """A duration for display."""
    return f"{value:.1f} s" if isinstance(value, int | float) else _text(value)


def _list(value: Any) -> list[Any]:
    """``value`` when it is a list, else empty: a document's lists are optional."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else empty: a document's objects are optional."""
    return value if isinstance(value, dict) else {}


def counted(results: Iterable[Any]) -> dict[str, Any]:
    """Figures derived from the cells, for a document that lacks ``figures``."""
    cells = [_dict(cell) for cell in results]
    findings = [_dict(f) for cell in cells for f in _list(cell.get("findings"))]
    return {
        "cells": len(cells),
        "findings": len(findings),
        "gated": sum(bool(f.get("gated")) for f in findings),
        "by_status": {s: sum(c.get("status") == s for c in cells) for s in STATUS_ORDER},
        "by_kind": {k: sum(f.get("kind") == k for f in findings) for k in KIND_ORDER},
    }


def _box(label: Any, value: str, css: str = "") -> str:
    """One figure: a label over its value."""
    return f'<div class="{css}"><dt>{_text(label, 80)}</dt><dd>{value}</dd></div>'


def render_figures(document: Mapping[str, Any]) -> str:
    """The run's figures: time, SUTs, cells, findings, and the counts by status and by kind."""
    figures = {**counted(_list(document.get("results"))), **_dict(document.get("figures"))}
    run = [_box("seconds", _seconds(figures.get("seconds", "-")))]
    keys = ("suts", "cells", "findings", "gated")
    run += [_box(key, _text(figures.get(key, "-"))) for key in keys]
    by_status = {**dict.fromkeys(map(str, STATUS_ORDER), 0), **_dict(figures.get("by_status"))}
    statuses = [_box(s, _text(n), status_class(s)) for s, n in by_status.items()]
    kinds = [_box(k, _text(n), "kind") for k, n in _dict(figures.get("by_kind")).items()]
    return "".join(
        f'<dl class="figures" aria-label="{name}">{"".join(boxes)}</dl>'
        for name, boxes in (("run", run), ("by status", statuses), ("by kind", kinds))
        if boxes
    )


def render_gate(document: Mapping[str, Any]) -> str:
    """The exit code, the gate that chose it, and the self-check's mismatches."""
    gate = _dict(document.get("gate"))
    parts = [f"exit code <b>{_text(document.get('exit_code', '-'))}</b>"]
    if gate:
        kinds = ", ".join(_text(k) for k in _list(gate.get("kinds")))
        reaches = ", ".join(_text(r) for r in _list(gate.get("reaches")))
        parts.append(
            f"gate: kinds {kinds or '-'}; reaches {reaches or '-'}; "
            f"severity {_text(gate.get('severity', '-'))} or worse"
        )
        undecided = [
            ("inconclusive rows allowed", "allow_inconclusive"),
            ("an n/a row fails the run", "fail_on_na"),
        ]
        parts += [said for said, key in undecided if gate.get(key)]
    if document.get("self_check"):
        parts.append("self-check of the reference and the catalogue")
    line = f'<p class="muted">{" · ".join(parts)}</p>'
    mismatches = _list(document.get("mismatches"))
    if mismatches:
        items = "".join(f"<li>{_text(m)}</li>" for m in mismatches)
        line += f'<p>Self-check mismatches:</p><ul class="mismatches">{items}</ul>'
    return line


def render_error(error: Any) -> str:
    """The SUT's error: class, reason and message (nothing when there is none)."""
    error = _dict(error)
    if not error:
        return ""
    reason = f' <span class="mono">({_text(error["reason"])})</span>' if error.get("reason") else ""
    message = f": {_text(error['message'])}" if error.get("message") else ""
    return f"<code>{_text(error.get('class', 'error'))}</code>{reason}{message}"


def render_counterexample(rows: Any) -> str:
    """The counterexample table: a row per [field, value]."""
    cells = []
    for row in _list(rows):
        field, value = [*row, "", ""][:2] if isinstance(row, list) else ("", row)
        shown = _text(value, VALUE_LIMIT)
        cells.append(f"<tr><th>{_text(field, 200)}</th><td><pre>{shown}</pre></td></tr>")
    return f'<table class="counterexample">{"".join(cells)}</table>' if cells else ""


def _row(label: str, content: str) -> str:
    """One labelled line of a finding (nothing when ``content`` is empty)."""
    return f"<tr><th>{label}</th><td>{content}</td></tr>" if content else ""


def render_story(message: Any, anchor: str = "") -> str:
    """A finding's message: its first line, then — in a collapsed ``<details>`` — every line
    of it, line breaks kept (each line cut only past ``VALUE_LIMIT`` characters, with a note).
    ``anchor`` ids the lines, so a link (``#anchor``) opens them."""
    text = message if isinstance(message, str) else "" if message is None else str(message)
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return _text(first, VALUE_LIMIT)
    lines = "\n".join(_text(line, VALUE_LIMIT) for line in text.splitlines())
    where = f' id="{_attr(anchor)}"' if anchor else ""
    count = len(text.splitlines())
    return (
        f'<details class="story"><summary>{_text(first, VALUE_LIMIT)} '
        f'<span class="muted">({count} lines)</span></summary><pre{where}>{lines}</pre></details>'
    )


def anchor_of(sut: Any, finding: Mapping[str, Any]) -> str:
    """A stable element id for a finding's story: its SUT, sub-check and where it was found."""
    key = f"{sut}\x00{finding.get('id')}\x00{finding.get('found_while')}"
    return "story-" + hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:16]


def render_finding(finding: Mapping[str, Any], sut: Any = "") -> str:
    """One finding: whether it trips the gate, its sub-check, kind, reach, severity, what to
    change, its story, error, counterexample, reproduce command and Hypothesis blob."""
    severity, kind = finding.get("severity", ""), finding.get("kind", "")
    ident = finding.get("id") or f"{finding.get('row', '')}/{finding.get('subcheck', '')}"
    gated = finding.get("gated")
    gate = [("gated", "gated: fails the run")] if gated else []
    if gated is False:
        gate = [("not-gated", "not gated")]
    badges = " ".join(
        f'<span class="badge {css}">{_text(label)}</span>'
        for css, label in (
            *gate,
            (f"sev-{_token(severity)}", severity),
            (f"kind-{_token(kind)}", kind),
            ("reach", f"reach: {finding.get('reach', '?')}"),
        )
    )
    found_while = finding.get("found_while")
    fix = finding.get("fix")
    details = "".join(
        [
            _row("fix", f'<span class="fix">{_text(fix)}</span>' if fix else ""),
            _row("message", render_story(finding.get("message"), anchor_of(sut, finding))),
            _row("SUT error", render_error(finding.get("error"))),
            _row("counterexample", render_counterexample(finding.get("counterexample"))),
            _row("reproduce", _pre(finding.get("reproduce"))),
            _row("Hypothesis blob", _pre(finding.get("blob"))),
            _row("found while", _text(found_while) if found_while != finding.get("row") else ""),
        ]
    )
    marked = " gated" if gated else ""
    return (
        f'<article class="finding sev-{_token(severity)} kind-{_token(kind)}{marked}">'
        f"<h4><code>{_text(ident, 200)}</code> {badges}</h4>"
        f'<p class="title">{_text(finding.get("title"))}</p><table>{details}</table></article>'
    )


def _pre(value: Any) -> str:
    """A verbatim value (a command, a blob) in ``<pre>``; nothing when empty."""
    return f"<pre>{_text(value, VALUE_LIMIT)}</pre>" if value else ""


def render_refused(exercise: Mapping[str, Any]) -> str:
    """The control the SUT refused, which left the cell inconclusive."""
    refused = _dict(exercise.get("refused_control"))
    if not refused:
        return ""
    error = render_error(refused.get("error"))
    return f"{_text(refused.get('what', 'a control'))}{' — refused: ' + error if error else ''}"


def render_refusals(cell: Mapping[str, Any]) -> str:
    """How many of a cell's controls were refused, and the VALID-ACCEPTED finding naming each
    refused shape or instant, with its counterexample (``refusals.annotate``)."""
    said = cell.get("refused")
    if not said:
        return ""
    named: dict[str, Any] = {}
    for refusal in map(_dict, _list(cell.get("refusals"))):
        for finding in map(_dict, _list(refusal.get("findings"))):
            named.setdefault(str(finding.get("id", "")), finding.get("counterexample"))
    tables = "".join(
        f"<p><b>named by</b> <code>{_text(ident, 120)}</code></p>{render_counterexample(rows)}"
        for ident, rows in named.items()
    )
    return f'<p class="refused"><b>refused controls:</b> {_text(said)}</p>{tables}'


def render_exercise(cell: Mapping[str, Any]) -> str:
    """How hard the cell was exercised: calls, accepted, controls and refusals, time."""
    exercise = _dict(cell.get("exercise"))
    keys = ("calls", "accepted", "controls", "controls_refused")
    parts = [f"{key.replace('_', ' ')} {_text(exercise[key])}" for key in keys if key in exercise]
    parts.append(_seconds(cell.get("seconds", "-")))
    return f'<p class="muted">{", ".join(parts)}</p>'


def render_cell(cell: Mapping[str, Any] | None) -> str:
    """A matrix cell: its status, opening onto its reason, refused control and findings."""
    if cell is None:
        return '<td class="cell status-missing">-</td>'
    status = cell.get("status", "")
    findings = sorted((_dict(f) for f in _list(cell.get("findings"))), key=finding_order)
    label = _text(status, 40) + (f" · {len(findings)}" if findings else "")
    gated = sum(bool(f.get("gated")) for f in findings)
    label += f" · {gated} gated" if gated else ""
    exercise = _dict(cell.get("exercise"))
    body = render_exercise(cell)
    if cell.get("reason"):
        body += f"<p><b>reason:</b> {_text(cell['reason'])}</p>"
    if refused := render_refused(exercise):
        body += f"<p><b>refused control:</b> {refused}</p>"
    body += render_refusals(cell)
    for unjudged in map(_dict, _list(cell.get("not_applicable"))):
        sub, why = unjudged.get("id", ""), unjudged.get("reason", "")
        body += f"<p><b>n/a:</b> <code>{_text(sub, 120)}</code> — {_text(why)}</p>"
    body += "".join(render_finding(f, cell.get("sut", "")) for f in findings)
    return (
        f'<td class="cell {status_class(status)}" data-status="{_attr(status)}">'
        f'<details><summary>{label}</summary><div class="body">{body}</div></details></td>'
    )


def _ordered_ids(first: Iterable[Any], then: Iterable[Any]) -> list[str]:
    """Distinct non-empty strings: ``first``'s order, then any new ones from ``then``."""
    return list(dict.fromkeys(str(x) for x in [*first, *then] if x))


def render_matrix(document: Mapping[str, Any]) -> str:
    """A row per invariant (ID, severity, title), a column per SUT, a cell per result."""
    results = [_dict(r) for r in _list(document.get("results"))]
    declared = map(_dict, _list(document.get("invariants")))
    invariants = {str(i["id"]): i for i in declared if i.get("id")}
    suts = _ordered_ids(_list(document.get("suts")), (r.get("sut") for r in results))
    rows = _ordered_ids(invariants, (r.get("invariant") for r in results))
    cells = {(str(r.get("sut")), str(r.get("invariant"))): r for r in results}
    heads = "".join(
        f'<th class="sut" title="{_attr(s)}">{_text(short_name(s), 120)}</th>' for s in suts
    )
    lines = []
    for row in rows:
        inv = invariants.get(row, {})
        severity = inv.get("severity", "")
        cols = "".join(render_cell(cells.get((sut, row))) for sut in suts)
        lines.append(
            f'<tr id="row-{_token(row)}"><th class="inv"><code>{_text(row, 120)}</code></th>'
            f'<td><span class="badge sev-{_token(severity)}">{_text(severity, 40)}</span></td>'
            f"<td>{_text(inv.get('title', ''))}</td>{cols}</tr>"
        )
    return (
        '<table class="matrix"><thead><tr><th>invariant</th><th>severity</th><th>title</th>'
        f"{heads}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def render_declarations(document: Mapping[str, Any]) -> str:
    """What each SUT declares it cannot be configured with, beside its verdicts ("": none)."""
    declared = [
        d for d in map(_dict, _list(document.get("declarations")))
        if d.get("fixed") or d.get("unsupported")
    ]  # fmt: skip
    if not declared:
        return ""
    items = "".join(
        f"<li><code>{_text(short_name(d.get('sut', '')), 120)}</code>: "
        f"{_text(describe_json(d))}</li>"
        for d in declared
    )
    return (
        '<h2>Declared capabilities</h2><p class="muted">Settings a SUT says it cannot be '
        "configured with: it is judged as it can be, and the sub-checks needing them are n/a."
        f"</p><ul>{items}</ul>"
    )


def render_html(document: dict[str, Any]) -> str:
    """The whole page: title, figures, gate, and the matrix with every cell's findings."""
    suts = _list(document.get("suts"))
    title = "clerk-harness audit" + (f" — {len(suts)} SUT{'s' * (len(suts) != 1)}" if suts else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{CSS}</style></head>\n<body>"
        f"<h1>{_text(title)}</h1>{render_figures(document)}{render_gate(document)}"
        f"{render_declarations(document)}"
        '<h2>Matrix</h2><p class="muted">Click a cell to open its findings.</p>'
        f"{render_matrix(document)}</body></html>\n"
    )
