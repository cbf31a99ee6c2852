"""One declaration per row: a row's ID, severity, title, what it needs, and its sub-checks —
each with kind, reach, severity and fix hint — declared in the module that defines its check,
which registers itself with ``@ROW.check``. The sub-checks a ``Row`` declares are the handles
its check reports failures with (``violated(HANDLE, …)``): a misspelt one is a ``NameError``
at import, never a ``KeyError`` when it fails. ``conformance.registry`` collects the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strategies.ratings import Reach, Severity

from .findings import Kind, SubCheck

if TYPE_CHECKING:  # the target calls rows' checks; rows only name its type
    from .target import Target

Check = Callable[["Target"], None]

#: What a row needs of the SUT: the contract methods its check calls. ``CLAIMS``: claims, or
#: their signed token through the strongest entry point. ``TOKEN``: ``authenticate_token``, else
#: a request entry point the token is sent to (as Bearer, else relayed), as an HTTP service is
#: reached.
CLAIMS = ("claims",)
TOKEN = ("token",)
CALLBACK = ("callback_subject",)
ALL_METHODS = (
    "authenticate_claims",
    "authenticate_token",
    "authenticate_request",
    "callback_subject",
)
_NEEDS_SAID = {"claims": "an entry point", "token": "entry point that takes a token"}


@dataclass(frozen=True)
class Invariant:
    """One row of the table, as its declaration sealed it. ``check`` raises
    ``InvariantViolation`` when one of its sub-checks fails; ``any_of``: applicable when the SUT
    has any (not all) of ``needs``."""

    id: str
    severity: Severity
    title: str
    needs: tuple[str, ...]
    check: Check
    subchecks: tuple[SubCheck, ...]
    any_of: bool = False

    def subcheck(self, name: str) -> SubCheck:
        """Sub-check ``name`` (``""``: the row's first); ``KeyError`` when undeclared."""
        if not name:
            return self.subchecks[0]
        for sub in self.subchecks:
            if sub.name == name:
                return sub
        raise KeyError(f"{self.id}/{name} is not a declared sub-check")

    def missing(self, target: Target) -> list[str]:
        """The methods ``target`` lacks for this invariant (empty: applicable)."""
        if self.any_of:
            return [] if any(target.has(m) for m in self.needs) else list(self.needs)
        lacking = []
        for need in self.needs:
            if need == "token":
                ok = bool(target.methods - {"authenticate_claims"})
            else:
                ok = target.claims_capable if need == "claims" else target.has(need)
            if not ok:
                lacking.append(_NEEDS_SAID.get(need, need))
        return lacking


#: Every row declared so far, in declaration order.
DECLARED: list[Row] = []


class Row:
    """A row being declared: ``Row(ID, severity, title, needs)``, then its sub-checks
    (``security``, ``robustness``, ``completeness``, each returning its handle), then
    ``@ROW.check`` on the function that checks it. ``seal()`` gives the table's ``Invariant``."""

    id: str
    severity: Severity
    title: str
    needs: tuple[str, ...]
    any_of: bool

    def __init__(
        self,
        id: str,
        severity: Severity,
        title: str,
        needs: tuple[str, ...],
        *,
        any_of: bool = False,
    ) -> None:
        if any(row.id == id for row in DECLARED):
            raise ValueError(f"row {id} is declared twice")
        self.id, self.severity, self.title = id, Severity(severity), title
        self.needs, self.any_of = needs, any_of
        self.declared: list[SubCheck] = []
        self.checker: Check | None = None
        DECLARED.append(self)

    def _declare(
        self, kind: Kind, name: str, reach: Reach, title: str, severity: Severity | None, fix: str
    ) -> SubCheck:
        if any(sub.name == name for sub in self.declared):
            raise ValueError(f"sub-check {self.id}/{name} is declared twice")
        sub = SubCheck(self.id, name, kind, reach, title, severity or self.severity, fix)
        self.declared.append(sub)
        return sub

    def security(
        self, name: str, reach: Reach, title: str, severity: Severity | None = None, *, fix: str
    ) -> SubCheck:
        """A ``security`` sub-check: accepting what it tries lets someone in, or as someone
        else (the row's severity unless said)."""
        return self._declare(Kind.SECURITY, name, reach, title, severity, fix)

    def robustness(
        self, name: str, reach: Reach, title: str, severity: Severity = Severity.MEDIUM, *, fix: str
    ) -> SubCheck:
        """A ``robustness`` sub-check: a crash or the wrong error class (medium unless said)."""
        return self._declare(Kind.ROBUSTNESS, name, reach, title, severity, fix)

    def completeness(
        self, name: str, reach: Reach, title: str, severity: Severity = Severity.MEDIUM, *, fix: str
    ) -> SubCheck:
        """A ``completeness`` sub-check: refusing what every correct implementation accepts
        (medium unless said)."""
        return self._declare(Kind.COMPLETENESS, name, reach, title, severity, fix)

    def check(self, function: Check) -> Check:
        """Register ``function`` as this row's check (the decorator)."""
        if self.checker is not None:
            raise ValueError(f"row {self.id} has two checks")
        self.checker = function
        return function

    def seal(self) -> Invariant:
        """The row as the table holds it; ``ValueError`` when it has no check or no sub-check."""
        if self.checker is None or not self.declared:
            raise ValueError(f"row {self.id} needs a check and at least one sub-check")
        return Invariant(
            self.id,
            self.severity,
            self.title,
            self.needs,
            self.checker,
            tuple(self.declared),
            self.any_of,
        )


#: TOTAL is declared here, not beside its check (``invariants.total``): every SUT call of every
#: row reports a crash to its ``crash`` sub-check (``target.attempt``).
TOTAL = Row(
    "TOTAL",
    Severity.HIGH,
    "a principal or an AuthError, never another exception",
    ALL_METHODS,
    any_of=True,
)
CRASH = TOTAL.robustness(
    "crash",
    Reach.ANYONE,
    "a principal or an AuthError, never another exception",
    fix="catch every parse and lookup error at the boundary and raise Unauthorized/InvalidClaims",
)
