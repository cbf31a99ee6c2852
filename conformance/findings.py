"""Verdicts that mean what they say: named sub-checks, findings, and what a row exercised.

A row (the stable invariant ID) is made of named sub-checks (``ROW/name``), each with a *kind*
and a *reach*. A check reports a failure with ``violated(SUB, …)``, ``SUB`` the handle the row's
declaration gave (``conformance.rows``); ``run_row`` runs the check again with every sub-check
already found switched off, until nothing new fails, so a row's result lists *every* failing
sub-check, each with its own shrunk counterexample. Meanwhile every SUT call is counted, and
every *control* — a session as Clerk mints it (v1 or v2, with its
``sid``), which every correct implementation accepts through the entry point under test — is
recorded by its shape. The row is decided on the controls the SUT accepted (what an example
judges rests on its control's acceptance), and names the shapes it refused, each with how many
controls it cost. A row none of whose controls was accepted, that never tried one, or whose
plain session (``{sub, org_id, sid}`` through an entry point: no strictness refuses it) was
refused, is ``inconclusive``, never ``holds``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reference import AuthError, Principal
from reference.tokens import MAX_JSON_DEPTH, compact_segments, nests_deeper, parse_json_object
from strategies import claims_shape
from strategies.clock import time_class
from strategies.ratings import Reach, Severity


class Kind(StrEnum):
    """What a finding is: accepts what must be refused or crosses identities; a crash or a wrong
    error class; refuses what every correct implementation accepts."""

    SECURITY = "security"
    ROBUSTNESS = "robustness"
    COMPLETENESS = "completeness"


class Status(StrEnum):
    """A cell's verdict: every sub-check held; one failed; the row could not be decided (its
    controls were refused); the row does not apply to the SUT (not judged)."""

    HOLDS = "holds"
    VIOLATED = "VIOLATED"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "n/a"


KINDS = tuple(Kind)
REACHES = tuple(Reach)
SEVERITIES = tuple(Severity)
#: A row stops looking after this many findings (each costs one more run of its check).
MAX_FINDINGS_PER_ROW = 40

HOLDS, VIOLATED, INCONCLUSIVE, NOT_APPLICABLE = tuple(Status)
#: A cell's statuses, in the order reports count them.
STATUSES = tuple(Status)


def _rank(value: object, order: tuple[str, ...]) -> int:
    """Where ``value`` falls in ``order`` (unknown values last)."""
    return order.index(value) if isinstance(value, str) and value in order else len(order)


def finding_order(finding: Finding | Mapping[str, Any]) -> tuple[int, int, str, str]:
    """The order every report lists findings in: most severe first, then security before
    robustness before completeness, then by name and by the row it was found while checking
    (an order that depends on nothing else). A finding as a JSON object too: unknown values
    last."""
    data = finding.as_json() if isinstance(finding, Finding) else finding
    return (
        _rank(data.get("severity"), SEVERITIES), _rank(data.get("kind"), KINDS),
        str(data.get("id", "")), str(data.get("found_while", "")),
    )  # fmt: skip


@dataclass(frozen=True)
class SubCheck:
    """One named part of a row (``ROW/name``), declared with it (``conformance.rows``) and the
    handle a check reports a failure with: what it checks, its kind, reach and severity, and
    ``fix``: one line saying what to change in an implementation that fails it, shown with
    every finding."""

    row: str
    name: str
    kind: Kind
    reach: Reach
    title: str
    severity: Severity
    fix: str

    def __post_init__(self) -> None:
        for value, enum in ((self.kind, Kind), (self.reach, Reach), (self.severity, Severity)):
            if not isinstance(value, enum):
                raise TypeError(f"sub-check {self.id}: {value!r} is no {enum.__name__}")
        if not self.fix or "\n" in self.fix:
            raise ValueError(f"sub-check {self.id}: the fix hint is one line")

    @property
    def id(self) -> str:
        """``ROW/name``."""
        return f"{self.row}/{self.name}"


def error_of(outcome: object) -> dict[str, str] | None:
    """The SUT's error, in full (class, reason, message), or ``None`` for no error."""
    if not isinstance(outcome, BaseException):
        return None
    reason = getattr(outcome, "reason", "")
    detail = getattr(outcome, "detail", None)
    message = str(detail) if detail is not None else str(outcome)
    return {"class": type(outcome).__name__, "reason": str(reason), "message": message}


class InvariantViolation(AssertionError):
    """A sub-check failed. The message starts with the row's ID; ``sub`` names the sub-check
    (``""``: the row's first), ``error`` the SUT's own error where one matters, ``table`` the
    counterexample as (field, value) rows."""

    def __init__(
        self,
        invariant_id: str,
        message: str,
        *,
        sub: str = "",
        error: object = None,
        table: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.invariant_id, self.sub, self.table = invariant_id, sub, table
        self.error = error_of(error)
        super().__init__(f"{invariant_id} violated: {message}")

    @property
    def message(self) -> str:
        """The message without the ``ROW violated:`` prefix."""
        return str(self).partition(" violated: ")[2]


class Crashed(AuthError):
    """Stands for a crash already reported as a finding: later runs of the row treat the call
    as refused, so the checks behind it still run."""


@dataclass
class Exercise:
    """What a row's runs did: SUT calls, acceptances, controls tried and refused, and which
    sub-checks are switched off because they were already found. ``examples`` (test-body runs
    and login-history machine runs) and ``first_failure`` (the example a violation was first
    raised in; a probe's, tried outside any example, counts the examples before it) are for
    measuring (``benchmarks/run.py``), not for reports."""

    calls: int = 0
    accepted: int = 0
    controls: int = 0
    controls_refused: int = 0
    refused_control: dict[str, Any] | None = None
    #: How many controls of each shape (``strategies.claims_shape``) were refused.
    refused_shapes: dict[str, int] = field(default_factory=dict)
    off: set[tuple[str, str]] = field(default_factory=set)
    examples: int = 0
    first_failure: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "accepted": self.accepted,
            "controls": self.controls,
            "controls_refused": self.controls_refused,
            "refused_control": self.refused_control,
            "refused_shapes": dict(sorted(self.refused_shapes.items())),
        }


_EXERCISE: ContextVar[Exercise | None] = ContextVar("exercise", default=None)


@contextmanager
def recording(exercise: Exercise) -> Iterator[Exercise]:
    """Record SUT calls and controls into ``exercise`` meanwhile."""
    token = _EXERCISE.set(exercise)
    try:
        yield exercise
    finally:
        _EXERCISE.reset(token)


def example_began() -> None:
    """Count one example: a check's test body, or a login-history machine, starts a run."""
    exercise = _EXERCISE.get()
    if exercise is not None:
        exercise.examples += 1


def example_failed(replays: int = 0) -> None:
    """Note the example a violation was first raised in (``replays``: how many runs Hypothesis
    made since, to report it)."""
    exercise = _EXERCISE.get()
    if exercise is not None and exercise.first_failure is None:
        exercise.first_failure = exercise.examples - replays


def called(outcome: object) -> None:
    """Count one SUT call and whether it accepted."""
    exercise = _EXERCISE.get()
    if exercise is not None:
        exercise.calls += 1
        exercise.accepted += isinstance(outcome, Principal)


#: The label of a control given without its claims: the plain valid session every entry point
#: of every correct implementation accepts, strict or not — refused, its row is undecided.
PLAIN = "the plain session"


def token_shape(token: str) -> str:
    """``claims_shape`` of a token's payload, read without verifying it (and, nested past what
    the reference reads, not parsed: ``reference.tokens.nests_deeper``)."""
    try:
        payload = compact_segments(token)[1]
        if nests_deeper(payload, MAX_JSON_DEPTH):
            return "unreadable"
        return claims_shape(parse_json_object(payload))
    except (AuthError, IndexError):
        return "unreadable"


def control_label(shape: str, now: float) -> str:
    """What a control refused at ``now`` is counted as: its shape, and its time class when a
    session minted then carries times past 2038's 32-bit limit (``"v1 (after-2038)"``) —
    each part the name of the VALID-ACCEPTED sub-check that names such refusals. The plain
    session then is no longer ``PLAIN``: a refusal of it may be for its instant, not
    undecidable."""
    later = time_class(now)
    return f"{shape} ({later})" if later else shape


def label_parts(label: str) -> tuple[str, ...]:
    """The parts of a ``control_label``: its shape, then its time class if any."""
    shape, _, later = label.removesuffix(")").rpartition(" (")
    return (shape, later) if shape and label.endswith(")") else (label,)


def control(outcome: object, what: str, *, claims: object = None, token: str | None = None) -> bool:
    """Record a control — ``what``, a session as Clerk mints it, which every correct
    implementation accepts — by its shape (from ``claims``, or ``token``, when given) and the
    clock's time class (``control_label``), and return whether it was accepted. Claims not
    shaped as Clerk's session tokens (a template, no ``sid``) are a scenario, not a control: not
    recorded. A refused control is counted by its label, the first kept with the SUT's own
    error; what the example judges next rests on its acceptance (a refusal is never a security
    finding), so it goes on. A control given with neither is the plain session (``PLAIN``):
    any refusal of it leaves the row undecided."""
    accepted = isinstance(outcome, Principal)
    if isinstance(claims, str):  # a credential given as its token
        claims, token = None, claims
    if claims is None and token is not None:
        shape = token_shape(token)
    elif claims is not None:
        shape = claims_shape(claims)
    else:
        shape = PLAIN
    if shape not in ("v1", "v2", PLAIN):
        return accepted  # a template or a session without sid: a scenario, not Clerk's own
    exercise = _EXERCISE.get()
    if exercise is not None:
        exercise.controls += 1
        if not accepted:
            exercise.controls_refused += 1
            shape = control_label(shape, time.time())  # the clock the SUT read: frozen or not
            exercise.refused_shapes[shape] = exercise.refused_shapes.get(shape, 0) + 1
            first = exercise.refused_control
            if first is None or (shape == PLAIN and first.get("shape") != PLAIN):
                error = error_of(outcome)
                exercise.refused_control = {"what": what, "error": error, "shape": shape}
    return accepted


def is_off(sub: SubCheck) -> bool:
    """Whether sub-check ``sub`` was already found in this row's run (so not reported)."""
    exercise = _EXERCISE.get()
    return exercise is not None and (sub.row, sub.name) in exercise.off


def violated(
    sub: SubCheck,
    message: str,
    *,
    error: object = None,
    table: tuple[tuple[str, str], ...] = (),
) -> None:
    """Report that sub-check ``sub`` failed: raise ``InvariantViolation``, unless that
    sub-check was already found in this row's run — then the check goes on past it."""
    if not is_off(sub):
        raise InvariantViolation(sub.row, message, sub=sub.name, error=error, table=table)


@dataclass(frozen=True)
class Finding:
    """One failing sub-check of one SUT: where, what, and how to see it again."""

    row: str
    subcheck: str
    kind: str
    reach: str
    severity: str
    title: str
    message: str
    error: dict[str, str] | None
    counterexample: tuple[tuple[str, str], ...]
    blob: str
    falsifying: str
    found_while: str
    fix: str = ""  # the sub-check's fix hint: what to change

    @property
    def id(self) -> str:
        return f"{self.row}/{self.subcheck}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "row": self.row,
            "subcheck": self.subcheck,
            "kind": self.kind,
            "reach": self.reach,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "error": self.error,
            "counterexample": [list(pair) for pair in self.counterexample],
            "blob": self.blob,
            "falsifying": self.falsifying,
            "found_while": self.found_while,
            "fix": self.fix,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            data["row"],
            data["subcheck"],
            data["kind"],
            data["reach"],
            data["severity"],
            data["title"],
            data["message"],
            data.get("error"),
            tuple((str(a), str(b)) for a, b in data.get("counterexample", ())),
            data.get("blob", ""),
            data.get("falsifying", ""),
            data.get("found_while", data["row"]),
            str(data.get("fix") or ""),
        )


_BLOB = re.compile(r"@reproduce_failure\([^)]*\)")


def _notes(violation: BaseException) -> tuple[str, str]:
    """Hypothesis's notes on a failure: the ``@reproduce_failure`` blob and the falsifying
    example's arguments — without its boilerplate."""
    notes = "\n".join(getattr(violation, "__notes__", []))
    blob = _BLOB.search(notes)
    kept = [
        line
        for line in notes.splitlines()
        if line.strip()
        and "reproduce_failure" not in line
        and not line.startswith(
            ("You can reproduce", "Falsifying example", "Failing test case", "Explanation")
        )
        and line.strip() not in ("run(", ")")
    ]
    return (blob.group(0) if blob else ""), "\n".join(kept)


@dataclass(frozen=True)
class RowResult:
    """One row against one SUT: its findings (any row's, when met while checking this one) and
    what it exercised."""

    row: str
    findings: tuple[Finding, ...]
    exercise: Exercise
    #: The row's sub-checks not judged (by name), each with why: what the SUT declares it
    #: cannot be configured with (``capabilities``).
    not_applicable: Mapping[str, str] = field(default_factory=dict)

    @property
    def own(self) -> tuple[Finding, ...]:
        """The findings of this row itself."""
        return tuple(f for f in self.findings if f.row == self.row)

    @property
    def inconclusive_reason(self) -> str:
        """Why the row could not be decided (``""``: it was exercised)."""
        exercise = self.exercise
        if exercise.controls == 0:
            return "no control was tried: the check never reached a valid session"
        plain = exercise.refused_shapes.get(PLAIN, 0)
        if exercise.controls_refused == exercise.controls or plain:
            refused = exercise.refused_control or {}
            error = refused.get("error") or {}
            said = f"{error.get('class', '?')}({error.get('reason', '')!r})"
            if error.get("message"):
                said += f": {error['message']}"
            how = "all" if exercise.controls_refused == exercise.controls else f"{plain} of"
            return (
                f"{how} {exercise.controls} controls refused ({self.refused_shapes_said}) — "
                f"first: {refused.get('what')}, refused with {said}"
            )
        return ""

    @property
    def refused_shapes_said(self) -> str:
        """The shapes of the refused controls, each with its count (``""``: none refused)."""
        shapes = self.exercise.refused_shapes
        return ", ".join(f"{shape}: {n}" for shape, n in sorted(shapes.items()))

    @property
    def status(self) -> str:
        if self.own:
            return VIOLATED
        return INCONCLUSIVE if self.inconclusive_reason else HOLDS


SubCheckLookup = Callable[[str, str], SubCheck]


def run_row(
    row: str,
    check: Callable[[], None],
    lookup: SubCheckLookup,
    not_applicable: Mapping[str, str] | None = None,
) -> RowResult:
    """Run ``check`` until it finds nothing new: each run switches off the sub-checks found so
    far (a crash then counts as a refusal), so every failing sub-check is reported, each with
    its own shrunk counterexample. ``lookup(row, sub)`` gives a sub-check's declaration;
    ``not_applicable`` names the row's sub-checks that are off from the start (never a
    finding), each with why."""
    exercise, findings = Exercise(), []
    skipped = dict(not_applicable or {})
    exercise.off.update((row, sub) for sub in skipped)
    with recording(exercise):
        for _ in range(MAX_FINDINGS_PER_ROW):
            try:
                check()
            except InvariantViolation as violation:
                if exercise.first_failure is None:  # a probe's: the examples before it
                    exercise.first_failure = exercise.examples
                declared = lookup(violation.invariant_id, violation.sub)
                if (violation.invariant_id, declared.name) in exercise.off:
                    raise  # a harness bug: a switched-off sub-check failed again
                exercise.off.add((violation.invariant_id, declared.name))
                blob, falsifying = _notes(violation)
                findings.append(
                    Finding(
                        violation.invariant_id,
                        declared.name,
                        declared.kind,
                        declared.reach,
                        declared.severity,
                        declared.title,
                        violation.message,
                        violation.error,
                        violation.table,
                        blob,
                        falsifying,
                        row,
                        declared.fix,
                    )
                )
                continue
            break
    return RowResult(row, tuple(findings), exercise, skipped)
