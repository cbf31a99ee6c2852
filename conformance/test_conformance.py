"""The conformance suite: one test per invariant ID, against the SUT named by ``--sut``.

Run it against your implementation::

    pytest --pyargs conformance --sut my_pkg.auth:make_authenticator

``--sut`` is repeatable: with several, each invariant runs against each implementation. A test
fails when any of its row's sub-checks fails (every failing one is listed, each with its own
counterexample) and when the row is ``inconclusive``: its controls — valid sessions every
correct implementation accepts — were refused, so nothing it says could be trusted.
"""

from __future__ import annotations

import json
import unittest
from collections.abc import Callable

import pytest

from .findings import HOLDS, VIOLATED, RowResult, run_row
from .invariants.valid import VALID_ACCEPTED, refusal_subchecks
from .registry import INVARIANTS, Invariant, lookup
from .target import Target


def summary(result: RowResult) -> str:
    """A failed row, as pytest shows it: every finding, then why it is inconclusive."""
    parts = []
    for finding in result.findings:
        where = "" if finding.row == result.row else f" (found while checking {result.row})"
        lines = [f"{finding.id} [{finding.kind}, {finding.reach}, {finding.severity}]{where}"]
        lines.append(f"{finding.row} violated: {finding.message}")
        if finding.falsifying:
            lines.append(finding.falsifying)
        if finding.blob:
            lines.append(finding.blob)
        parts.append("\n".join(lines))
    if result.status != VIOLATED and result.inconclusive_reason:
        parts.append(f"{result.row} inconclusive: {result.inconclusive_reason}{_see(result)}")
    return "\n\n".join(parts)


def _see(result: RowResult) -> str:
    """Where the refused controls' shapes and instants are named: `` — see VALID-ACCEPTED/v2``
    (its own test says whether, and shows the counterexample; the audit quotes it)."""
    named = {
        sub.id: None
        for label in sorted(result.exercise.refused_shapes)
        for sub in refusal_subchecks(label)
    }
    return f" — see {', '.join(named)}" if named and result.row != VALID_ACCEPTED.id else ""


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[i.id for i in INVARIANTS])
def test_invariant(
    invariant: Invariant, sut: Target, record_property: Callable[[str, object], None]
) -> None:
    """The invariant holds for the SUT (skipped when the SUT lacks the methods it needs)."""
    record_property("sut", sut.name)  # read by ``clerk-harness audit``, through xdist too
    record_property("invariant", invariant.id)
    missing = invariant.missing(sut)
    if missing:
        pytest.skip(f"{invariant.id}: not applicable — the SUT has no {', '.join(missing)}")
    if invariant.id in sut.limits:
        pytest.skip(f"{invariant.id}: not applicable — {sut.limits[invariant.id]}")
    skipped = sut.not_applicable(invariant.id)
    if skipped and set(skipped) >= {sub.name for sub in invariant.subchecks}:
        pytest.skip(f"{invariant.id}: not applicable — {'; '.join(sorted(set(skipped.values())))}")
    try:
        result = run_row(invariant.id, lambda: invariant.check(sut), lookup, skipped)
    except unittest.SkipTest as exc:  # found out only by running (a running service's limits)
        pytest.skip(f"{invariant.id}: not applicable — {exc}")
    record_property(
        "row",
        json.dumps(
            {
                "status": result.status,
                "reason": result.inconclusive_reason,
                "exercise": result.exercise.as_json(),
                "findings": [finding.as_json() for finding in result.findings],
                "not_applicable": {
                    f"{invariant.id}/{sub}": why for sub, why in result.not_applicable.items()
                },
            }
        ),
    )
    if result.findings or result.status != HOLDS:
        pytest.fail(summary(result), pytrace=False)
