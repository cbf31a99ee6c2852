"""Both correct implementations — the reference and a deliberately different second one —
violate nothing: the invariants follow DESIGN.md §4, not the reference's incidental choices."""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Invariant, Target

CORRECT = ("reference:make", "tests.alternative_impl:make")
BUILT = [inv for inv in INVARIANTS if inv.check is not None]


@pytest.mark.parametrize("spec", CORRECT)
@pytest.mark.parametrize("invariant", BUILT, ids=[inv.id for inv in BUILT])
def test_correct_implementation_holds(spec: str, invariant: Invariant) -> None:
    target = Target.load(spec)
    assert invariant.missing(target) == []
    assert invariant.check is not None
    invariant.check(target)
