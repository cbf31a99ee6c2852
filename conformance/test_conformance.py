"""The conformance suite: one test per invariant ID, against the SUT named by ``--sut``.

Run it against your implementation::

    pytest --pyargs conformance --sut my_pkg.auth:make_authenticator

``--sut`` is repeatable: with several, each invariant runs against each implementation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .registry import INVARIANTS, Invariant
from .target import Target


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
    invariant.check(sut)
