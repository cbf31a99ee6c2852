"""``clerk-harness audit``: the conformance suite against one or more SUTs, as a matrix.

One in-process pytest run of ``conformance`` with every ``--sut`` (so profiles, ``-n`` workers
and seeds behave exactly as in ``pytest --pyargs conformance``, and xdist workers start once and
share every SUT's cells); a recorder plugin turns each ``test_invariant`` report into a cell —
``holds``, ``VIOLATED`` or ``n/a`` — with the violation's counterexample and the command that
reproduces it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from . import catalogue
from .plugin import PROFILES_ENV
from .registry import BY_ID, INVARIANTS, SEVERITIES
from .target import DEFAULT_SUT, SutLoadError, Target

HOLDS, VIOLATED, NOT_APPLICABLE, ABORTED = "holds", "VIOLATED", "n/a", "aborted"
_REPORTED = re.compile(r"\b([A-Z]+(?:-[A-Z]+)*) violated: ")


@dataclass(frozen=True)
class Cell:
    """One invariant against one SUT."""

    sut: str
    invariant: str
    status: str  # holds | VIOLATED | n/a | aborted (another invariant's violation stopped it)
    seconds: float
    counterexample: str = ""
    reproduce: str = ""
    cause: str = ""  # the invariant a violation (or an abort) names


@dataclass(frozen=True)
class Options:
    """How to run the suite: pytest's knobs, passed through."""

    profile: str | None = None
    workers: str | None = None
    seed: str | None = None
    only: tuple[str, ...] = ()  # invariant IDs; empty: all

    def pytest_args(self, specs: Sequence[str]) -> list[str]:
        args = ["--pyargs", "conformance", "-p", "no:cacheprovider"]
        for spec in specs:
            args += ["--sut", spec]
        args += ["-p", "no:terminal", "-o", "addopts=", "-W", "ignore::DeprecationWarning"]
        if self.profile:
            args.append(f"--hypothesis-profile={self.profile}")
        if self.seed:
            args.append(f"--hypothesis-seed={self.seed}")
        if self.workers and self.workers != "0" and _has_xdist():
            args += ["-n", self.workers, "--dist", "worksteal"]  # cells vary 100-fold in cost
        if self.only:
            args += ["-k", " or ".join(self.only)]
        return args

    def reproduce(self, spec: str, invariant: str) -> str:
        """The command that runs just this cell again."""
        words = ["pytest", "--pyargs", "conformance", "--sut", spec, "-k", invariant]
        if self.profile:  # the harness's profile, not a host's (or Hypothesis's) namesake
            words = [f"{PROFILES_ENV}=1", *words, f"--hypothesis-profile={self.profile}"]
        if self.seed:
            words.append(f"--hypothesis-seed={self.seed}")
        return shlex.join(words)


def _has_xdist() -> bool:
    """pytest-xdist is a dependency, but an environment may lack it: then run in-process."""
    return importlib.util.find_spec("xdist") is not None


def counterexample(longrepr: str) -> str:
    """The readable part of a failure: the violation message (claims, request or numbered
    history) and Hypothesis's failing case — not the traceback."""
    lines = longrepr.splitlines()
    start = next((i for i, line in enumerate(lines) if " violated: " in line), None)
    if start is None:
        return "\n".join(line for line in lines[-12:] if line.strip())
    kept = []
    for line in lines[start:]:
        text = re.sub(r"^E ", "", line).rstrip()
        if text.strip().startswith("Explanation:") or re.match(r"^[\w/.-]+\.py:\d+:", text):
            break
        if text.strip():
            kept.append(text)
    head = re.sub(r"^\s*[\w.]+InvariantViolation: ", "", kept[0]) if kept else ""
    return "\n".join([head, textwrap.dedent("\n".join(kept[1:]))]).strip()


class Recorder:
    """A pytest plugin collecting one ``Cell`` per invariant test, announcing each as it ends
    (the test records its SUT and invariant as user properties, which cross xdist)."""

    def __init__(self, options: Options, announce: Callable[[Cell], None]) -> None:
        self.options, self.announce = options, announce
        self.cells: dict[tuple[str, str], Cell] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        recorded = dict(report.user_properties)
        spec, invariant = recorded.get("sut"), recorded.get("invariant")
        if not isinstance(spec, str) or not isinstance(invariant, str):
            return
        if (spec, invariant) in self.cells:
            return
        if report.skipped:
            cell = Cell(spec, invariant, NOT_APPLICABLE, report.duration)
        elif report.when != "call":
            return
        elif report.passed:
            cell = Cell(spec, invariant, HOLDS, report.duration)
        else:
            text = counterexample(str(report.longrepr))
            named = _REPORTED.search(text)
            cause = named.group(1) if named else invariant
            # A crash met while checking X is a TOTAL violation: X itself was not decided.
            status = VIOLATED if cause == invariant else ABORTED
            reproduce = self.options.reproduce(spec, invariant)
            cell = Cell(spec, invariant, status, report.duration, text, reproduce, cause)
        self.cells[(spec, invariant)] = cell
        self.announce(cell)


def run_suts(
    specs: Sequence[str], options: Options, announce: Callable[[Cell], None]
) -> dict[tuple[str, str], Cell]:
    """Audit the SUTs in one pytest run: load each first (``SutLoadError`` when one cannot be)."""
    for spec in specs:
        Target.load(spec)  # fail fast, with the one-line message, before pytest starts
    recorder = Recorder(options, announce)
    code = pytest.main(options.pytest_args(specs), plugins=[recorder])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not recorder.cells:
        raise SutLoadError(f"--sut {', '.join(specs)}: pytest could not run the suite ({code})")
    return recorder.cells


@dataclass(frozen=True)
class Audit:
    """Every cell of the matrix, and the self-check's verdict when no SUT was named."""

    suts: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    self_check: bool

    def violated(self, spec: str) -> frozenset[str]:
        """The invariants ``spec`` was found violating (an aborted check names its cause)."""
        return frozenset(
            cell.cause
            for (s, _), cell in self.cells.items()
            if s == spec and cell.status in (VIOLATED, ABORTED)
        )

    def mismatches(self) -> list[str]:
        """Self-check: the reference violates nothing; each entry exactly what it declares
        (among the invariants audited)."""
        problems = []
        for spec in self.suts:
            name = _entry_name(spec)
            audited = {invariant for (s, invariant) in self.cells if s == spec}
            declared = (catalogue.violations(name) if name else frozenset()) & audited
            got = self.violated(spec)
            if got != declared:
                missed, extra = sorted(declared - got), sorted(got - declared)
                problems.append(f"{spec}: missed {missed}, unexpected {extra}")
        return problems

    def exit_code(self, fail_on: str | None) -> int:
        if self.self_check:
            return 1 if self.mismatches() else 0
        floor = SEVERITIES.index(fail_on) if fail_on else len(SEVERITIES) - 1
        for spec in self.suts:
            for invariant in self.violated(spec):
                if SEVERITIES.index(BY_ID[invariant].severity) <= floor:
                    return 1
        return 0


def _entry_name(spec: str) -> str | None:
    prefix = f"{catalogue.__name__}."
    module = spec.partition(":")[0]
    return module[len(prefix) :] if module.startswith(prefix) else None


def self_check_suts() -> tuple[str, ...]:
    """The built-in demonstration: the reference and every catalogue entry."""
    return (DEFAULT_SUT, *(catalogue.sut_spec(name) for name in catalogue.ENTRIES))


def run_audit(suts: Sequence[str], options: Options, announce: Callable[[Cell], None]) -> Audit:
    """Audit the SUTs (none: the self-check)."""
    self_check = not suts
    specs = tuple(dict.fromkeys(suts)) or self_check_suts()
    cells = run_suts(specs, options, announce)
    ordered = {  # matrix order: SUTs as named, invariants as in the table
        (spec, inv.id): cells[(spec, inv.id)]
        for spec in specs
        for inv in INVARIANTS
        if (spec, inv.id) in cells
    }
    return Audit(specs, ordered, self_check)


# -------------------------------------------------------------------------------- reports


def short_name(spec: str) -> str:
    """A column heading: the catalogue entry's name, else the spec."""
    return _entry_name(spec) or spec


def matrix(audit: Audit, colour: bool) -> str:
    """One row per invariant (severity, title), one column per SUT."""
    names = [short_name(spec) for spec in audit.suts]
    widths = [max(len(name), len(VIOLATED)) for name in names]
    ids = [inv for inv in INVARIANTS if any((s, inv.id) in audit.cells for s in audit.suts)]
    label = max(len(inv.id) for inv in INVARIANTS) + 11
    lines = ["".ljust(label) + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    for inv in ids:
        cells = []
        for spec, width in zip(audit.suts, widths, strict=True):
            cell = audit.cells.get((spec, inv.id))
            shown = cell.status if cell else "-"
            if cell and cell.status == ABORTED:
                shown = f"({cell.cause})"
            text = shown.ljust(width)
            if colour and cell and cell.status == VIOLATED:
                text = f"\033[31m{text}\033[0m"
            elif colour and cell and cell.status == HOLDS:
                text = f"\033[32m{text}\033[0m"
            cells.append(text)
        lines.append(f"{inv.id} ({inv.severity})".ljust(label) + "  ".join(cells))
        lines.append(f"  {inv.title}")
    return "\n".join(lines)


def violations_report(audit: Audit) -> str:
    """Each violation: where, the counterexample, and the command that reproduces it."""
    parts = []
    for (spec, invariant), cell in audit.cells.items():
        if cell.status not in (VIOLATED, ABORTED):
            continue
        body = "\n".join(f"    {line}" for line in cell.counterexample.splitlines()[:40])
        where = invariant if cell.cause == invariant else f"{cell.cause}, met checking {invariant}"
        parts.append(f"{where} — {spec}\n{body}\n    reproduce: {cell.reproduce}")
    return "\n\n".join(parts)


def write_json(audit: Audit, path: Path, exit_code: int) -> None:
    """The audit, machine-readably (schema in the README)."""
    document: dict[str, Any] = {
        "suts": list(audit.suts),
        "invariants": [
            {"id": inv.id, "severity": inv.severity, "title": inv.title} for inv in INVARIANTS
        ],
        "results": [asdict(cell) for cell in audit.cells.values()],
        "self_check": audit.self_check,
        "mismatches": audit.mismatches() if audit.self_check else [],
        "exit_code": exit_code,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def write_junit(audit: Audit, path: Path) -> None:
    """JUnit XML: a test suite per SUT, a test case per invariant."""
    root = ET.Element("testsuites", name="clerk-harness audit")
    for spec in audit.suts:
        cells = [c for (s, _), c in audit.cells.items() if s == spec]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=spec,
            tests=str(len(cells)),
            failures=str(sum(c.status == VIOLATED for c in cells)),
            skipped=str(sum(c.status == NOT_APPLICABLE for c in cells)),
        )
        for cell in cells:
            case = ET.SubElement(
                suite, "testcase", classname=spec, name=cell.invariant, time=f"{cell.seconds:.3f}"
            )
            if cell.status == VIOLATED:
                failure = ET.SubElement(case, "failure", message=f"{cell.invariant} violated")
                failure.text = f"{cell.counterexample}\n\nreproduce: {cell.reproduce}"
            elif cell.status == NOT_APPLICABLE:
                ET.SubElement(case, "skipped", message="not applicable")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def progress_line(cell: Cell, colour: bool) -> str:
    status = cell.status
    if colour:
        status = (
            {VIOLATED: "\033[31m", HOLDS: "\033[32m"}.get(status, "\033[33m") + status + "\033[0m"
        )
    return f"[{short_name(cell.sut)}] {cell.invariant}: {status} ({cell.seconds:.1f}s)"
