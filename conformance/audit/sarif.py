"""The audit document as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

A rule per declared sub-check (its help text: the fix hint), a result per finding (located at
the SUT's module, so code scanning can show it), and the inconclusive cells as tool
notifications: they are not findings, but nothing the audit could not decide is hidden — nor
a decided cell's refused controls (a note), each naming the VALID-ACCEPTED finding behind it.

The level says the gate's verdict: ``error`` for a finding that trips the gate (``--fail-on``),
else ``warning`` (``note`` for a low one) — the severity is in ``security-severity`` and the
properties.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "clerk-harness"
FINGERPRINT = "clerkHarnessFinding/v1"
LEVELS = {"critical": "warning", "high": "warning", "medium": "warning", "low": "note"}
# GitHub code scanning ranks security rules by this number (its critical is > 9.0).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_MODULE = re.compile(r"[^\W\d]\w*(\.[^\W\d]\w*)*")


def level(severity: Any, gated: Any = False) -> str:
    """SARIF's level: ``error`` when gated (it fails the run), else a warning (a note when
    low)."""
    return "error" if gated is True else LEVELS.get(str(severity), "warning")


def module_uri(sut: str) -> str | None:
    """``pkg.mod:make`` → ``pkg/mod.py``, a relative URI; ``None`` when ``sut`` names no module."""
    module, sep, attr = sut.partition(":")
    if not sep or not attr or not _MODULE.fullmatch(module):
        return None
    return quote(module.replace(".", "/") + ".py")


def fingerprint(sut: str, finding_id: str) -> str:
    """A stable hash of (SUT, finding id): the same finding keeps its alert across runs."""
    return hashlib.sha256(f"{sut}\x00{finding_id}".encode("utf-8", "backslashreplace")).hexdigest()


def _list(value: Any) -> list[Any]:
    """``value`` when it is a list, else empty: a document's lists are optional."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else empty: a document's objects are optional."""
    return value if isinstance(value, dict) else {}


def finding_id(finding: Mapping[str, Any]) -> str:
    """A finding's sub-check id (``ROW/name``), built from its parts when ``id`` is absent."""
    return str(finding.get("id") or f"{finding.get('row', '')}/{finding.get('subcheck', '')}")


def rule(subcheck: Mapping[str, Any], row_title: str = "") -> dict[str, Any]:
    """The reporting descriptor of one sub-check."""
    kind, severity = str(subcheck.get("kind", "")), str(subcheck.get("severity", ""))
    row, title = str(subcheck.get("row", "")), str(subcheck.get("title", ""))
    properties: dict[str, Any] = {
        "kind": kind,
        "reach": str(subcheck.get("reach", "")),
        "severity": severity,
        "row": row,
        "tags": [t for t in dict.fromkeys([kind, row, f"reach:{subcheck.get('reach', '')}"]) if t],
        "gated": subcheck.get("gated") is True,
    }
    if kind == "security" and severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    described = {"shortDescription": {"text": title or finding_id(subcheck)}}
    if row_title:
        described["fullDescription"] = {"text": f"{row}: {row_title} — {title}"}
    if subcheck.get("fix"):
        described["help"] = {"text": f"Fix: {subcheck['fix']}"}
    return {
        "id": finding_id(subcheck),
        **described,
        "defaultConfiguration": {"level": level(severity, subcheck.get("gated"))},
        "properties": properties,
    }


def rules(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A rule per declared sub-check, then one per sub-check a finding names undeclared."""
    found: dict[str, dict[str, Any]] = {}
    for invariant in map(_dict, _list(document.get("invariants"))):
        for subcheck in map(_dict, _list(invariant.get("subchecks"))):
            found.setdefault(finding_id(subcheck), rule(subcheck, str(invariant.get("title", ""))))
    for _, finding in findings(document):
        found.setdefault(finding_id(finding), rule(finding))
    return list(found.values())


def findings(document: Mapping[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """Every finding of every cell, with the SUT it was found in."""
    for cell in map(_dict, _list(document.get("results"))):
        for finding in map(_dict, _list(cell.get("findings"))):
            yield str(cell.get("sut", "")), finding


def location(sut: str) -> dict[str, Any]:
    """Where code scanning shows a finding: the SUT's module, line 1 (and the SUT by name)."""
    logical = {"logicalLocations": [{"fullyQualifiedName": sut, "kind": "function"}]}
    uri = module_uri(sut)
    if uri is None:
        return logical
    artifact = {"uri": uri, "uriBaseId": "%SRCROOT%"}
    physical = {"artifactLocation": artifact, "region": {"startLine": 1}}
    return {"physicalLocation": physical, **logical}


def result(sut: str, finding: Mapping[str, Any], index: Mapping[str, int]) -> dict[str, Any]:
    """The SARIF result of one finding."""
    ident = finding_id(finding)
    properties = {
        key: finding.get(key, "") for key in ("kind", "reach", "severity", "reproduce", "row")
    }
    properties["sut"] = sut
    properties["gated"] = finding.get("gated") is True
    if finding.get("fix"):
        properties["fix"] = finding["fix"]
    if finding.get("blob"):
        properties["blob"] = finding["blob"]
    message = str(finding.get("message") or finding.get("title") or ident)
    return {
        "ruleId": ident,
        "ruleIndex": index[ident],
        "level": level(finding.get("severity"), finding.get("gated")),
        "message": {"text": f"{message} (SUT: {sut})"},
        "locations": [location(sut)],
        "partialFingerprints": {FINGERPRINT: fingerprint(sut, ident)},
        "properties": properties,
    }


def _error_text(error: Any) -> str:
    """A SUT error as ``Class (reason): message``."""
    error = _dict(error)
    reason = f" ({error['reason']})" if error.get("reason") else ""
    message = f": {error['message']}" if error.get("message") else ""
    return f"{error.get('class', 'error')}{reason}{message}" if error else ""


def notification(cell: Mapping[str, Any]) -> dict[str, Any]:
    """An inconclusive cell as a warning: which row, which SUT, why, and the refused control."""
    sut, row = str(cell.get("sut", "")), str(cell.get("invariant", ""))
    text = f"{row} is inconclusive for {sut}"
    if cell.get("reason"):
        text += f": {cell['reason']}"
    refused = _dict(_dict(cell.get("exercise")).get("refused_control"))
    if refused:
        error = _error_text(refused.get("error"))
        text += f" (refused control: {refused.get('what', 'a control')}"
        text += f" — {error})" if error else ")"
    properties: dict[str, Any] = {"sut": sut, "reason": str(cell.get("reason", ""))}
    if refused:
        properties["refused_control"] = refused
    if _list(cell.get("refusals")):
        properties["refusals"] = cell["refusals"]
    return {
        "level": "warning",
        "message": {"text": text},
        "descriptor": {"id": row},
        "locations": [location(sut)],
        "properties": properties,
    }


def refusal_note(cell: Mapping[str, Any]) -> dict[str, Any]:
    """A decided cell that refused some of its controls, as a note: how many, decided on the
    rest, and the VALID-ACCEPTED finding naming them (``refusals.annotate``)."""
    sut, row = str(cell.get("sut", "")), str(cell.get("invariant", ""))
    return {
        "level": "note",
        "message": {"text": f"{row} for {sut}: {cell.get('refused', '')}"},
        "descriptor": {"id": row},
        "locations": [location(sut)],
        "properties": {"sut": sut, "refusals": _list(cell.get("refusals"))},
    }


def invocation(document: Mapping[str, Any]) -> dict[str, Any]:
    """The run's invocation: successful (the audit ran), its exit code, inconclusive cells,
    and decided ones that refused some of their controls."""
    cells = list(map(_dict, _list(document.get("results"))))
    done: dict[str, Any] = {"executionSuccessful": True}
    if isinstance(document.get("exit_code"), int):
        done["exitCode"] = document["exit_code"]
    done["toolExecutionNotifications"] = [
        notification(cell) for cell in cells if cell.get("status") == "inconclusive"
    ] + [
        refusal_note(cell)
        for cell in cells
        if cell.get("status") in ("holds", "VIOLATED") and _list(cell.get("refusals"))
    ]
    return done


def render_sarif(document: dict[str, Any]) -> dict[str, Any]:
    """The audit document as a SARIF 2.1.0 log of one run."""
    described = rules(document)
    index = {r["id"]: i for i, r in enumerate(described)}
    kept = ("figures", "gate", "self_check", "mismatches", "crowd", "declarations")
    run_properties = {key: document[key] for key in kept if key in document}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": TOOL, "rules": described}},
        "invocations": [invocation(document)],
        "results": [result(sut, finding, index) for sut, finding in findings(document)],
    }
    if run_properties:
        run["properties"] = run_properties
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
