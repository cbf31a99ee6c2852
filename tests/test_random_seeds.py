"""Sound under any seed: the reference and the alternative implementation hold every row under
Hypothesis's default random profile, not only under the derandomized ``clerk-ci`` one (the
reference's run, ``conformance/test_conformance.py``) — each control accepted, nothing found.
Three seeds here (fixed, so that CI is replayable): the alternative implementation's only run,
and no ``clerk-ci`` one would add to them; ``benchmarks/run.py --only seeds`` runs twenty."""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Invariant, Target
from conformance.findings import HOLDS, run_row
from conformance.profiles import seeded
from conformance.registry import lookup

#: Seeds CI runs; the benchmark's are 0-19, so together they are 23 users' runs.
SEEDS = (101, 202, 303)
CORRECT = ("reference:make", "tests.impls.alternative_impl:make")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spec", CORRECT)
@pytest.mark.parametrize("invariant", INVARIANTS, ids=[inv.id for inv in INVARIANTS])
def test_a_correct_implementation_holds_under_a_random_seed(
    invariant: Invariant, spec: str, seed: int
) -> None:
    target = Target.load(spec)
    with seeded(seed):
        result = run_row(invariant.id, lambda: invariant.check(target), lookup)
    assert not result.findings, [(f.id, f.message[:300]) for f in result.findings]
    assert result.status == HOLDS, result.inconclusive_reason
    assert result.exercise.controls_refused == 0 and result.exercise.controls > 0
