"""The conformance suite: one test per invariant ID, against the SUT named by ``--sut``.

Run it against your implementation::

    pytest --pyargs conformance --sut my_pkg.auth:make_authenticator
"""

from __future__ import annotations

import pytest

from .registry import INVARIANTS, Invariant
from .target import Target


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[i.id for i in INVARIANTS])
def test_invariant(invariant: Invariant, sut: Target) -> None:
    """The invariant holds for the SUT (skipped when the SUT lacks the methods it needs)."""
    missing = invariant.missing(sut)
    if missing:
        pytest.skip(f"{invariant.id}: not applicable — the SUT has no {', '.join(missing)}")
    invariant.check(sut)
