"""A second, deliberately different correct implementation violates nothing: the invariants
follow DESIGN.md §4, not the reference's incidental choices. (The reference's own run is the
conformance suite itself, ``conformance/test_conformance.py``, collected by this repository's
``testpaths`` with its default ``--sut``.)"""

from __future__ import annotations

import pytest

from conformance import INVARIANTS, Invariant, Target

ALTERNATIVE = "tests.alternative_impl:make"


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[inv.id for inv in INVARIANTS])
def test_the_alternative_implementation_holds(invariant: Invariant) -> None:
    target = Target.load(ALTERNATIVE)
    assert invariant.missing(target) == []
    invariant.check(target)
