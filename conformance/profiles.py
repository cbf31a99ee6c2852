"""The harness's Hypothesis profiles, for this repository's ``conftest.py`` and the
``clerk-harness`` command (the pytest plugin never registers them: a host project's profiles
are its own).

* ``dev`` — 100 examples, random, the example database on: quick feedback while working;
* ``ci`` — derandomized (the same examples every run), no database: deterministic CI;
* ``deep`` — 2,000 examples, for nightly or pre-release runs.

Login histories (the state machine) run 25 steps under ``dev`` and ``ci``, 60 under ``deep``.
No profile sets a deadline: signing and freezegun make timings noisy under xdist, and
performance is measured by benchmarks, never asserted by a timer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import hypothesis.core
from hypothesis import HealthCheck, settings

PROFILES = ("dev", "ci", "deep")


def register() -> None:
    """Register ``dev``, ``ci`` and ``deep`` (loading none of them)."""
    settings.register_profile("dev", max_examples=100, deadline=None, stateful_step_count=25)
    settings.register_profile(
        "ci",
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        stateful_step_count=25,
    )
    settings.register_profile(
        "deep",
        max_examples=2_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        stateful_step_count=60,
    )


#: The profile ``seeded`` loads: Hypothesis's own default (random, as a user's suite runs),
#: without the example database, so that a seed alone decides the examples.
SEEDED = "clerk-harness-seeded"


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run as a user's default random profile does, with ``seed`` forced: the proof that a
    correct implementation holds under any seed, not only under ``ci``'s one (replayable)."""
    settings.register_profile(SEEDED, parent=settings.get_profile("default"), database=None)
    previous, forced = settings.get_current_profile_name(), hypothesis.core.global_force_seed
    settings.load_profile(SEEDED)
    hypothesis.core.global_force_seed = seed  # type: ignore[assignment]  # what --hypothesis-seed sets
    try:
        yield
    finally:
        hypothesis.core.global_force_seed = forced
        settings.load_profile(previous)
