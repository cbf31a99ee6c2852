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
