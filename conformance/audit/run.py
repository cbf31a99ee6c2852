"""``clerk-harness audit``: the conformance suite against one or more SUTs, as a matrix.

One in-process pytest run of ``conformance`` with every ``--sut`` (so profiles, ``-n`` workers
and seeds behave exactly as in ``pytest --pyargs conformance``, and xdist workers start once and
share every SUT's cells); a recorder plugin turns each ``test_invariant`` report into a cell —
``holds``, ``VIOLATED``, ``inconclusive`` or ``n/a`` — with every finding (each failing
sub-check, its kind, reach and severity, its counterexample) and what the row exercised.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from strategies.keys import KEYS_ENV

from .. import catalogue
from ..blackbox.service import URL_PREFIX, served_command, short_command
from ..findings import (
    INCONCLUSIVE,
    KINDS,
    NOT_APPLICABLE,
    REACHES,
    SEVERITIES,
    STATUSES,
    VIOLATED,
    Finding,
    SubCheck,
    finding_order,
)
from ..invariants.valid import VALID_ACCEPTED
from ..registry import BY_ID, INVARIANTS
from ..target import CROWD, DEFAULT_SUT, SutLoadError, Target
from .refusals import annotate


@dataclass(frozen=True)
class Cell:
    """One invariant against one SUT: its status, why (n/a, inconclusive), what it exercised,
    and every finding made while checking it (another row's too: a crash is TOTAL's)."""

    sut: str
    invariant: str
    status: str  # holds | VIOLATED | inconclusive | n/a
    seconds: float
    reason: str = ""
    exercise: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    reproduce: str = ""
    #: Sub-checks not judged, by ID, each with why (what the SUT declares it cannot do).
    not_applicable: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "sut": self.sut,
            "invariant": self.invariant,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
            "exercise": self.exercise,
            "findings": [finding.as_json() for finding in self.findings],
            "reproduce": self.reproduce,
            "not_applicable": [
                {"id": sub, "reason": why} for sub, why in self.not_applicable.items()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cell:
        return cls(
            data["sut"],
            data["invariant"],
            data["status"],
            float(data.get("seconds", 0.0)),
            data.get("reason", ""),
            data.get("exercise") or {},
            tuple(Finding.from_json(f) for f in data.get("findings", ())),
            data.get("reproduce", ""),
            {str(n["id"]): str(n["reason"]) for n in data.get("not_applicable") or ()},
        )


@dataclass(frozen=True)
class Gate:
    """Which findings fail the audit: of these kinds, reachable by these, at or above this
    severity. The default: security findings anyone or any user can reach, high or above."""

    kinds: tuple[str, ...] = ("security",)
    reaches: tuple[str, ...] = ("anyone", "user")
    severity: str = "high"

    @classmethod
    def parse(cls, text: str) -> Gate:
        """``"security,robustness,anyone,medium"`` — words of each dimension replace its
        default; ``all`` fails on every finding. ``ValueError`` on an unknown word."""
        words = [w.strip() for w in text.split(",") if w.strip()]
        if words == ["all"]:
            return cls(KINDS, REACHES, SEVERITIES[-1])
        unknown = [w for w in words if w not in (*KINDS, *REACHES, *SEVERITIES)]
        if unknown:
            raise ValueError(
                f"--fail-on: unknown {', '.join(unknown)}; use kinds {KINDS}, reaches "
                f"{REACHES}, a severity {SEVERITIES}, or 'all'"
            )
        kinds = tuple(w for w in words if w in KINDS) or cls.kinds
        reaches = tuple(w for w in words if w in REACHES) or cls.reaches
        severities = [w for w in words if w in SEVERITIES]
        floor = max(severities, key=SEVERITIES.index) if severities else cls.severity
        return cls(kinds, reaches, floor)

    def fails(self, finding: Finding | SubCheck) -> bool:
        """Whether a finding — or every finding of a sub-check — trips the gate."""
        return (
            finding.kind in self.kinds
            and finding.reach in self.reaches
            and SEVERITIES.index(finding.severity) <= SEVERITIES.index(self.severity)
        )

    def as_json(self) -> dict[str, Any]:
        return {"kinds": list(self.kinds), "reaches": list(self.reaches), "severity": self.severity}

    def describe(self) -> str:
        return f"{'/'.join(self.kinds)} reachable by {'/'.join(self.reaches)}, {self.severity}+"


@dataclass(frozen=True)
class Options:
    """How to run the suite: pytest's knobs, passed through."""

    profile: str | None = None
    workers: str | None = None
    seed: str | None = None
    only: tuple[str, ...] = ()  # invariant IDs; empty: all
    declared_rows: bool = False  # catalogue entries only on the rows they declare
    shard: tuple[int, int] | None = None  # (K, N): the K-th of N parts of the cells
    crowd: int | None = None  # CACHE-ISOLATION's crowd size (None: the default, ``CROWD``)

    def pytest_args(self, specs: Sequence[str]) -> list[str]:
        args = ["--pyargs", "conformance", "-p", "no:cacheprovider"]
        for spec in specs:
            args += _chosen(spec)
        args += ["-p", "no:terminal", "-o", "addopts=", "-W", "ignore::DeprecationWarning"]
        if self.profile:
            args.append(f"--hypothesis-profile={self.profile}")
        if self.seed:
            args.append(f"--hypothesis-seed={self.seed}")
        if self.workers and self.workers != "0" and _has_xdist():
            args += ["-n", self.workers, "--dist", "worksteal"]  # cells vary 100-fold in cost
        if self.only:
            args += ["-k", keyword(self.only, specs)]
        if self.declared_rows:
            args.append("--declared-rows")
        if self.shard:
            args.append(f"--shard={self.shard[0]}/{self.shard[1]}")
        if self.crowd is not None:
            args.append(f"--crowd={self.crowd}")
        return args

    def reproduce(self, spec: str, invariant: str) -> str:
        """The command that runs just this cell again, from where the audit ran (its one SUT's
        test ID: ``-k SESSION-TOKENS-ONLY`` alone would run CB-SESSION-TOKENS-ONLY too)."""
        test = f"test_invariant[{invariant}]"
        words = ["pytest", "--pyargs", "conformance", *_chosen(spec), "-k", test]
        if self.profile:  # by its own name (clerk-ci, ...): the plugin registers it anywhere
            words.append(f"--hypothesis-profile={self.profile}")
        if self.seed:
            words.append(f"--hypothesis-seed={self.seed}")
        if self.crowd is not None and invariant == "CACHE-ISOLATION":
            words.append(f"--crowd={self.crowd}")
        return shlex.join(words)


def keyword(ids: Sequence[str], specs: Sequence[str]) -> str:
    """A ``-k`` expression selecting the tests of exactly these invariants. ``-k`` matches
    substrings, case-insensitively: ``TOTAL`` alone also picks every row of a SUT spec like
    ``pkg.total:make``, ``SESSION-TOKENS-ONLY`` the row CB-SESSION-TOKENS-ONLY. So each ID is
    anchored where its test's name ends (``test_invariant[ID]``, ``[spec-ID]``), and the IDs
    that end with it are left out — unless a spec's own ending would leave it out too (the
    ``Recorder`` then drops the extra cells)."""
    terms = []
    for ident in ids:
        names = [f"{spec}-{ident}]".lower() for spec in specs] if len(specs) > 1 else []
        longer = [
            other
            for other in BY_ID
            if other != ident
            and other.endswith(ident)
            and not any(name.endswith(f"{other}]".lower()) for name in names)
        ]
        terms.append(" and ".join([f"{ident}]", *(f"not {other}]" for other in longer)]))
    return " or ".join(f"({term})" for term in terms)


def _chosen(spec: str) -> list[str]:
    """The plugin's options naming ``spec``: ``--sut``, ``--sut-serve`` or ``--sut-url``."""
    command = served_command(spec)
    if command is None:
        return ["--sut", spec]
    if command.startswith(URL_PREFIX):
        keys = os.environ.get(KEYS_ENV)
        return ["--sut-url", command[len(URL_PREFIX) :], *(["--sut-keys", keys] if keys else [])]
    return ["--sut-serve", command]


def _has_xdist() -> bool:
    """pytest-xdist is a dependency, but an environment may lack it: then run in-process."""
    return importlib.util.find_spec("xdist") is not None


class Recorder:
    """A pytest plugin collecting one ``Cell`` per invariant test, announcing each as it ends
    (the test records its SUT, invariant and row result as user properties, which cross
    xdist)."""

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
        if self.options.only and invariant not in self.options.only:
            return  # picked by ``-k`` beyond what was asked (see ``keyword``)
        if report.skipped:
            reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
            cell = Cell(spec, invariant, NOT_APPLICABLE, report.duration, reason.strip())
        elif report.when != "call":
            if report.passed:
                return
            cell = _broken(spec, invariant, report)
        elif "row" not in recorded:
            cell = _broken(spec, invariant, report)
        else:
            row = json.loads(str(recorded["row"]))
            cell = Cell(
                spec,
                invariant,
                row["status"],
                report.duration,
                row["reason"],
                row["exercise"],
                tuple(Finding.from_json(f) for f in row["findings"]),
                self.options.reproduce(spec, invariant) if row["findings"] else "",
                row.get("not_applicable") or {},
            )
        self.cells[(spec, invariant)] = cell
        self.announce(cell)


def _broken(spec: str, invariant: str, report: pytest.TestReport) -> Cell:
    """A cell whose check itself failed to run (a harness or SUT-loading error): undecided,
    with the error pytest's summary names (an exception group's too, whose traceback ends in
    a frame line, not its message)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    said = crash.message.strip() if crash is not None else ""
    text = said.splitlines() or str(report.longrepr).strip().splitlines()
    return Cell(
        spec,
        invariant,
        INCONCLUSIVE,
        report.duration,
        "the check failed to run: " + (text[0] if said else text[-1] if text else "?"),
    )


def declarations(specs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Load each SUT (``SutLoadError`` when one cannot be): what each declares it cannot be
    configured with (``capabilities``), for the SUTs that declare anything."""
    declared = {}
    for spec in specs:
        capabilities = Target.load(spec).capabilities
        if capabilities:
            declared[spec] = capabilities.as_json()
    return declared


def run_suts(
    specs: Sequence[str], options: Options, announce: Callable[[Cell], None]
) -> dict[tuple[str, str], Cell]:
    """Audit the SUTs in one pytest run (load each first with ``declarations``)."""
    recorder = Recorder(options, announce)
    code = pytest.main(options.pytest_args(specs), plugins=[recorder])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not recorder.cells:
        raise SutLoadError(f"--sut {', '.join(specs)}: pytest could not run the suite ({code})")
    return recorder.cells


#: The reason of a cell ``settle`` makes for a row that was not run but had findings.
FOUND_ELSEWHERE = "found while checking other rows"


def settle(cells: dict[tuple[str, str], Cell]) -> dict[tuple[str, str], Cell]:
    """Cells with every finding in its own row's cell: a crash met while checking row X is
    TOTAL's finding (X keeps its own verdict), and it makes TOTAL's cell VIOLATED — a cell
    made for it when TOTAL itself was not run."""
    moved: dict[tuple[str, str], list[Finding]] = {}
    for (spec, _), cell in cells.items():
        for finding in cell.findings:
            moved.setdefault((spec, finding.row), []).append(finding)
    cells = dict(cells)
    for key in moved.keys() - cells.keys():  # the row itself was not run (--invariant)
        cells[key] = Cell(*key, VIOLATED, 0.0, FOUND_ELSEWHERE)
    settled = {}
    for key, cell in cells.items():
        own = tuple(sorted(moved.get(key, ()), key=finding_order))
        status = VIOLATED if own else cell.status
        settled[key] = Cell(
            cell.sut, cell.invariant, status, cell.seconds, cell.reason, cell.exercise, own,
            cell.reproduce, cell.not_applicable,
        )  # fmt: skip
    return settled


@dataclass(frozen=True)
class Audit:
    """Every cell of the matrix, and the self-check's verdict when no SUT was named."""

    suts: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    self_check: bool
    profile: str | None = None
    shard: tuple[int, int] | None = None  # (K, N): this audit is the K-th of N parts
    #: What each SUT declares it cannot be configured with (``Capabilities.as_json``), by spec.
    declarations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    crowd: int = CROWD  # CACHE-ISOLATION's crowd size

    def findings(self, spec: str) -> list[Finding]:
        """Every finding against ``spec``, most severe first."""
        found = [f for (s, _), c in self.cells.items() if s == spec for f in c.findings]
        return sorted(found, key=finding_order)

    def violated(self, spec: str) -> frozenset[str]:
        """The rows ``spec`` was found violating."""
        return frozenset(f.row for f in self.findings(spec))

    def inconclusive(self, spec: str) -> frozenset[str]:
        """The rows of ``spec`` that could not be decided."""
        return frozenset(
            inv for (s, inv), c in self.cells.items() if s == spec and c.status == INCONCLUSIVE
        )

    def mismatches(self) -> list[str]:
        """Self-check: the reference violates nothing and decides every row; each entry
        violates exactly the rows it declares — naming each sub-check it declares — and is
        inconclusive only where it says so (among the invariants audited)."""
        problems = []
        for spec in self.suts:
            name = catalogue.entry_name(spec)
            audited = {invariant for (s, invariant) in self.cells if s == spec}
            declared = catalogue.violations(name) if name else frozenset()
            rows = {d.partition("/")[0] for d in declared} & audited
            got = self.violated(spec)
            found_subs = {f.id for f in self.findings(spec)}
            subs = {d for d in declared if "/" in d and d.partition("/")[0] in audited}
            if got != rows or not subs <= found_subs:
                missed = sorted((rows - got) | (subs - found_subs))
                problems.append(f"{spec}: missed {missed}, unexpected {sorted(got - rows)}")
            allowed = catalogue.inconclusive(name) if name else frozenset()
            undecided = self.inconclusive(spec) - allowed
            if undecided:
                problems.append(f"{spec}: inconclusive {sorted(undecided)}")
        return problems

    def not_applicable(self, spec: str) -> frozenset[str]:
        """The rows of ``spec`` that were not applicable (so not judged)."""
        return frozenset(
            inv for (s, inv), c in self.cells.items() if s == spec and c.status == NOT_APPLICABLE
        )

    def exit_code(
        self,
        gate: Gate | None = None,
        *,
        allow_inconclusive: bool = False,
        fail_on_na: bool = False,
    ) -> int:
        """0 nothing gated was found and every applicable row was decided; 1 otherwise — also
        for an ``n/a`` row with ``fail_on_na`` (the self-check: 1 when any entry differs from
        what it declares)."""
        if self.self_check:
            return 1 if self.mismatches() else 0
        gate = gate or Gate()
        for spec in self.suts:
            if any(gate.fails(f) for f in self.findings(spec)):
                return 1
            if self.inconclusive(spec) and not allow_inconclusive:
                return 1
            if self.not_applicable(spec) and fail_on_na:
                return 1
        return 0


def self_check_suts() -> tuple[str, ...]:
    """The built-in demonstration: the reference and every catalogue entry."""
    return (DEFAULT_SUT, *(catalogue.sut_spec(name) for name in catalogue.ENTRIES))


def run_audit(suts: Sequence[str], options: Options, announce: Callable[[Cell], None]) -> Audit:
    """Audit the SUTs (none: the self-check)."""
    self_check = not suts
    specs = tuple(dict.fromkeys(suts)) or self_check_suts()
    declared = declarations(specs)  # fail fast, with the one-line message, before pytest starts
    cells = settle(run_suts(specs, options, announce))
    crowd = CROWD if options.crowd is None else options.crowd
    return Audit(
        specs, ordered(specs, cells), self_check, options.profile, options.shard, declared, crowd
    )


def ordered(
    specs: Sequence[str], cells: dict[tuple[str, str], Cell]
) -> dict[tuple[str, str], Cell]:
    """Matrix order: SUTs as named, invariants as in the table."""
    return {
        (spec, inv.id): cells[(spec, inv.id)]
        for spec in specs
        for inv in INVARIANTS
        if (spec, inv.id) in cells
    }


def short_name(spec: str) -> str:
    """A column heading: the catalogue entry's name, a served command's last words, else the
    spec."""
    command = served_command(spec)
    if command is not None:
        return "serve:" + short_command(command)
    return catalogue.entry_name(spec) or spec


def document(
    audit: Audit,
    exit_code: int,
    gate: Gate,
    seconds: float,
    *,
    allow_inconclusive: bool = False,
    fail_on_na: bool = False,
) -> dict[str, Any]:
    """The audit as the JSON document every report is made from (schema in the README): every
    finding and sub-check says whether it trips ``gate`` and what to change; ``gate`` says
    what else chose the exit code."""
    cells = list(audit.cells.values())
    findings = [f for c in cells for f in c.findings]
    return {
        "version": 2,
        "suts": list(audit.suts),
        "invariants": [
            {
                "id": inv.id,
                "severity": inv.severity,
                "title": inv.title,
                "subchecks": [
                    {
                        "id": f"{inv.id}/{sub.name}",
                        "row": inv.id,
                        "name": sub.name,
                        "kind": sub.kind,
                        "reach": sub.reach,
                        "severity": sub.severity,
                        "title": sub.title,
                        "fix": sub.fix,
                        "gated": gate.fails(sub),
                    }
                    for sub in inv.subchecks
                ],
            }
            for inv in INVARIANTS
        ],
        "results": [_annotated(audit, gate, cell.as_json()) for cell in cells],
        "figures": {
            "seconds": round(seconds, 1),
            "suts": len(audit.suts),
            "cells": len(cells),
            "findings": len(findings),
            "by_status": {s: sum(c.status == s for c in cells) for s in STATUSES},
            "by_kind": {k: sum(f.kind == k for f in findings) for k in KINDS},
            "gated": sum(gate.fails(f) for f in findings),
        },
        "self_check": audit.self_check,
        "profile": audit.profile,
        "shard": f"{audit.shard[0]}/{audit.shard[1]}" if audit.shard else None,
        "crowd": audit.crowd,
        "declarations": [
            {"sut": spec, **audit.declarations.get(spec, {"fixed": {}, "unsupported": []})}
            for spec in audit.suts
        ],
        "mismatches": audit.mismatches() if audit.self_check else [],
        "gate": {
            **gate.as_json(),
            "allow_inconclusive": allow_inconclusive,
            "fail_on_na": fail_on_na,
        },
        "exit_code": exit_code,
    }


def _annotated(audit: Audit, gate: Gate, cell: dict[str, Any]) -> dict[str, Any]:
    """A cell's JSON, its refused controls attributed (``refusals.annotate``), each finding with
    the command that reproduces it (its row's, or the row's it was met while checking),
    whether it trips ``gate`` (judged here, so a merged report judges by its own gate), and its
    fix hint (the declared one, for a document written before hints were)."""
    valid = audit.cells.get((cell["sut"], VALID_ACCEPTED.id))
    annotate(cell, valid.as_json() if valid else None)
    for finding in cell["findings"]:
        where = audit.cells.get((cell["sut"], finding["found_while"]))
        finding["reproduce"] = where.reproduce if where else cell["reproduce"]
        finding["gated"] = gate.fails(Finding.from_json(finding))
        finding["fix"] = finding["fix"] or declared_fix(finding["row"], finding["subcheck"])
    return cell


def declared_fix(row: str, subcheck: str) -> str:
    """The fix hint of sub-check ``row/subcheck`` (``""``: not a declared one)."""
    try:
        return BY_ID[row].subcheck(subcheck).fix
    except KeyError:
        return ""


class MergeError(ValueError):
    """Documents that do not make one audit: unreadable, of another version, shards that do not
    add up (one missing or twice, of different audits), or one cell in two of them."""


def from_documents(documents: Sequence[tuple[str, dict[str, Any]]]) -> Audit:
    """One audit from the JSON documents (each with its file name) of its shards — all N of
    them, once each — or of separate audits of different SUTs."""
    if not documents:
        raise MergeError("no documents to merge")
    for name, doc in documents:
        if not isinstance(doc, dict) or doc.get("version") != 2 or "results" not in doc:
            raise MergeError(f"{name}: not a clerk-harness audit document (version 2)")
    shards = [_shard_of(name, doc) for name, doc in documents]
    if any(shards):
        _check_shards(documents, shards)
    specs: list[str] = []
    cells: dict[tuple[str, str], Cell] = {}
    came_from: dict[tuple[str, str], str] = {}
    for name, doc in documents:
        specs += [s for s in doc["suts"] if s not in specs]
        for data in doc["results"]:
            cell = Cell.from_json(data)
            key = (cell.sut, cell.invariant)
            if key in cells:
                cells[key] = _merge_cells(cells[key], cell, came_from[key], name)
            else:
                cells[key], came_from[key] = cell, name
    first = documents[0][1]
    self_check = all(doc.get("self_check") for _, doc in documents)
    declared = {
        d["sut"]: {"fixed": d.get("fixed") or {}, "unsupported": d.get("unsupported") or []}
        for _, doc in documents
        for d in doc.get("declarations") or ()
        if d.get("fixed") or d.get("unsupported")
    }
    crowd = int(first.get("crowd") or CROWD)
    return Audit(
        tuple(specs), ordered(specs, cells), self_check, first.get("profile"), None, declared,
        crowd,
    )  # fmt: skip


def _shard_of(name: str, doc: dict[str, Any]) -> tuple[int, int] | None:
    from ..options import parse_shard

    try:
        return parse_shard(doc.get("shard"))
    except ValueError as exc:
        raise MergeError(f"{name}: {exc}") from exc


def _check_shards(
    documents: Sequence[tuple[str, dict[str, Any]]], shards: Sequence[tuple[int, int] | None]
) -> None:
    """Shards merge only as a whole: the same audit (SUTs, profile), N of N, each once."""
    names = [name for name, _ in documents]
    if None in shards:
        unsharded = [n for n, s in zip(names, shards, strict=True) if s is None]
        raise MergeError(f"{', '.join(unsharded)}: not a shard, merged with shards")
    counts = {s[1] for s in shards if s}
    runs = {(tuple(doc["suts"]), doc.get("profile"), doc.get("crowd")) for _, doc in documents}
    if len(counts) > 1 or len(runs) > 1:
        raise MergeError(
            "the shards are of different audits (their SUTs, profile, crowd or N differ)"
        )
    (count,) = counts
    seen = sorted(s[0] for s in shards if s)
    if seen != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(seen))
        twice = sorted({k for k in seen if seen.count(k) > 1})
        raise MergeError(f"shards of {count}: missing {missing or 'none'}, twice {twice or 'none'}")


def _merge_cells(one: Cell, other: Cell, one_from: str, other_from: str) -> Cell:
    """The same cell in two shards: legitimate only for a row whose findings were made while
    checking other rows (a crash is TOTAL's), one of them holding the cell ``settle`` made."""
    made = [c for c in (one, other) if c.reason == FOUND_ELSEWHERE and not c.exercise]
    if not made:
        raise MergeError(f"{one.sut} {one.invariant}: in both {one_from} and {other_from}")
    run = other if made[0] is one else one
    findings = tuple(sorted((*one.findings, *other.findings), key=finding_order))
    return Cell(
        run.sut, run.invariant, VIOLATED if findings else run.status, run.seconds, run.reason,
        run.exercise, findings, run.reproduce, run.not_applicable,
    )  # fmt: skip
