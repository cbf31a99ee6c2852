"""Correct implementations reached another way violate nothing: the reference taking requests
alone gets every claims and token row as Bearer requests, and its flawed twin is caught there.
(The reference's own run is the conformance suite itself, ``conformance/test_conformance.py``,
collected by this repository's ``testpaths`` with its default ``--sut``; the second,
deliberately different implementation, ``tests/impls/alternative_impl.py``, holds every row
under three seeds in ``tests/test_random_seeds.py`` — each control accepted, which a run here
under ``clerk-ci`` would only repeat.)"""

from __future__ import annotations

import pytest

from conformance import BY_ID, INVARIANTS, Invariant, Target, catalogue
from conformance.findings import HOLDS, run_row
from conformance.registry import lookup

CLAIMS_ROWS = [inv for inv in INVARIANTS if inv.needs in (("claims",), ("token",))]


@pytest.mark.parametrize("invariant", CLAIMS_ROWS, ids=[inv.id for inv in CLAIMS_ROWS])
def test_a_request_only_implementation_gets_every_claims_and_token_row(
    invariant: Invariant,
) -> None:
    """Without claims or token methods, the claims and token rows reach the SUT as Bearer
    requests."""
    target = Target.load("tests.impls.request_only:reference")
    assert target.methods == {"authenticate_request", "callback_subject"}
    assert invariant.missing(target) == []
    result = run_row(invariant.id, lambda: invariant.check(target), lookup)
    assert result.status == HOLDS, (result.findings, result.inconclusive_reason)
    assert result.exercise.accepted > 0


@pytest.mark.usefixtures("unshrunk")  # a finding list compared, not its counterexamples
@pytest.mark.parametrize("declared", sorted(catalogue.violations("upstream_after_fix")))
def test_a_request_only_flaw_is_caught_on_its_claims_and_token_rows(declared: str) -> None:
    row = declared.partition("/")[0]
    target = Target.load("tests.impls.request_only:after_fix")
    result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    assert declared in {f.id for f in result.own}, [f.id for f in result.own]
