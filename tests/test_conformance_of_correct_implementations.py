"""Both correct implementations — the reference and a deliberately different second one —
violate nothing: the invariants follow DESIGN.md §4, not the reference's incidental choices."""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Invariant, Target

CORRECT = ("reference:make", "tests.alternative_impl:make")


@pytest.mark.parametrize("spec", CORRECT)
@pytest.mark.parametrize("invariant", INVARIANTS, ids=[inv.id for inv in INVARIANTS])
def test_correct_implementation_holds(spec: str, invariant: Invariant) -> None:
    target = Target.load(spec)
    assert invariant.missing(target) == []
    invariant.check(target)
