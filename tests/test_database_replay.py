"""Sharing the example database between runs: a counterexample found once is replayed first.

The first run (generating) fails and saves its shrunk counterexample; a second run allowed
*only* to replay saved examples fails the same way — which it can only do by replaying it —
while the same replay-only run against an empty database runs no test case at all. This is
what caching ``.hypothesis/`` between CI jobs (or Hypothesis's ``GitHubArtifactDatabase``)
buys.
"""

from __future__ import annotations

import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from conformance import BY_ID, InvariantViolation, Target, catalogue


@contextmanager
def profile(name: str, **overrides: object) -> Iterator[None]:
    """Load a profile derived from the current one, and restore the current one after."""
    previous = settings.get_current_profile_name()
    settings.register_profile(name, parent=settings.get_profile(previous), **overrides)  # type: ignore[arg-type]
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile(previous)


def check(database: DirectoryBasedExampleDatabase, *phases: Phase) -> None:
    target = Target.load(catalogue.sut_spec("upstream_after_fix"))
    with profile("replay-test", database=database, derandomize=False, phases=phases):
        BY_ID["SESSION-PENDING"].check(target)


def test_a_saved_counterexample_is_replayed_before_anything_is_generated(tmp_path: Path) -> None:
    shared = DirectoryBasedExampleDatabase(tmp_path / "shared")
    with pytest.raises(InvariantViolation):
        check(shared, Phase.generate, Phase.shrink)
    assert list((tmp_path / "shared").rglob("*")), "the counterexample was saved"
    with pytest.raises(InvariantViolation) as replayed:
        check(shared, Phase.reuse)
    assert replayed.value.invariant_id == "SESSION-PENDING"
    with pytest.raises(unittest.SkipTest, match="no test cases"):  # nothing saved, nothing run
        check(DirectoryBasedExampleDatabase(tmp_path / "empty"), Phase.reuse)
