"""Repository-wide Hypothesis profiles, selected with ``--hypothesis-profile`` (default ``dev``).

* ``dev`` — 100 examples, random, the example database on: quick feedback while working;
* ``ci`` — derandomized (the same examples every run), no database: deterministic CI;
* ``deep`` — 2,000 examples, for nightly or pre-release runs.

Login histories (the state machine) run 25 steps under ``dev`` and ``ci``, 60 under ``deep``.

No profile sets a deadline: signing and freezegun make timings noisy under xdist, and
performance is measured by ``benchmarks/``, never asserted by a timer.
"""

from hypothesis import HealthCheck, settings

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
settings.load_profile("dev")
