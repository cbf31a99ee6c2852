"""Correct but strict entries (``STRICT``): each holds every row it can decide — a strictness
is never a security finding — and names what it refuses once, in VALID-ACCEPTED, where the
other rows only count the controls it cost (issue 23's false findings, each class)."""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Target, catalogue
from conformance.audit.text import refused_shapes
from conformance.findings import HOLDS, VIOLATED, run_row
from conformance.registry import lookup

STRICT = [name for name in catalogue.ENTRIES if catalogue.strict(name)]
CASES = [(name, inv) for name in STRICT for inv in INVARIANTS]


def test_each_false_finding_class_has_a_strict_entry() -> None:
    assert {"requires_sid", "v1_only", "fixed_leeway", "oversize_v2"} <= set(STRICT)


@pytest.mark.parametrize(("entry", "invariant"), CASES, ids=[f"{n}-{i.id}" for n, i in CASES])
def test_a_strict_entry_holds_what_it_can_decide(entry: str, invariant: object) -> None:
    target = Target.load(catalogue.sut_spec(entry))
    row = next(inv for inv in INVARIANTS if inv is invariant)
    if row.missing(target):
        pytest.skip("not applicable")
    result = run_row(row.id, lambda: row.check(target), lookup, target.not_applicable(row.id))
    declared = {d for d in catalogue.violations(entry) if d.startswith(f"{row.id}/")}
    assert all(f.kind != "security" for f in result.findings), [f.id for f in result.findings]
    assert {f.id for f in result.findings} == declared, result.findings
    assert result.status == (VIOLATED if declared else HOLDS), result.inconclusive_reason


def test_a_refused_shape_is_named_once_and_counted_elsewhere() -> None:
    """v1_only: VALID-ACCEPTED names the v2 shape; a row whose controls include v2 sessions is
    decided on the v1 ones and counts the v2 ones it refused."""
    target = Target.load(catalogue.sut_spec("v1_only"))
    by_id = {inv.id: inv for inv in INVARIANTS}
    valid = run_row("VALID-ACCEPTED", lambda: by_id["VALID-ACCEPTED"].check(target), lookup)
    assert [f.id for f in valid.own] == ["VALID-ACCEPTED/v2"]
    row = by_id["ID-SHAPE-INVARIANT"]
    shapes = run_row(row.id, lambda: row.check(target), lookup)
    assert shapes.status == HOLDS and shapes.exercise.refused_shapes.get("v2", 0) > 0
    assert shapes.exercise.controls > shapes.exercise.controls_refused  # its v1 ones, accepted


def test_the_report_names_each_refused_shape_once_with_its_cost() -> None:
    cells = [
        {"exercise": {"refused_shapes": {"v2": 12}}},
        {"exercise": {"refused_shapes": {"v2": 3, "v1": 1}}},
        {"exercise": {}},
    ]
    said = refused_shapes(cells)
    assert said.startswith(
        "refused shapes: v1 — 1 control over 1 row; v2 — 15 controls over 2 rows"
    )
    assert refused_shapes([{"exercise": {"refused_shapes": {}}}]) == ""
