"""The harness's Hypothesis profiles, registered under names of their own by the pytest plugin
as it loads (registering a name no one else uses changes nothing: the plugin loads none of
them, so a host project's default profile stays its own), and selected by name with
``--hypothesis-profile``:

* ``clerk-dev`` — 100 examples, random, the example database on: quick feedback while working;
* ``clerk-ci`` — derandomized (the same examples every run), no database: deterministic CI;
* ``clerk-deep`` — 2,000 examples, for nightly or pre-release runs.

Login histories (the state machine) run 25 steps under ``clerk-dev`` and ``clerk-ci``, 60
under ``clerk-deep``. No profile sets a deadline: signing and freezegun make timings noisy under
xdist, and performance is measured by benchmarks, never asserted by a timer.

The short names ``dev``, ``ci`` and ``deep`` (the harness's names before) are aliases only
where they cannot mean anything else: ``clerk-harness audit --hypothesis-profile``, this
repository's ``dev`` and ``deep`` (its ``conftest.py``), and any run with
``CLERK_HARNESS_PROFILES`` set (which old reproduce lines set). Elsewhere ``ci`` is
Hypothesis's own built-in profile, and ``dev`` and ``deep`` are the host project's, if any.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis.core
from hypothesis import HealthCheck, settings

PROFILES = ("clerk-dev", "clerk-ci", "clerk-deep")
#: The harness's former names, each for the profile it now has.
ALIASES = {"dev": "clerk-dev", "ci": "clerk-ci", "deep": "clerk-deep"}
#: Set (to anything), every run of the process and its children registers ``ALIASES``.
PROFILES_ENV = "CLERK_HARNESS_PROFILES"


def register() -> None:
    """Register ``clerk-dev``, ``clerk-ci`` and ``clerk-deep`` (loading none of them)."""
    settings.register_profile("clerk-dev", max_examples=100, deadline=None, stateful_step_count=25)
    settings.register_profile(
        "clerk-ci",
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        stateful_step_count=25,
    )
    settings.register_profile(
        "clerk-deep",
        max_examples=2_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        stateful_step_count=60,
    )


def register_aliases(names: Iterable[str] = ALIASES) -> None:
    """Register each of ``names`` (of ``ALIASES``) as its harness profile: only where the short
    name cannot mean anything else (``ci`` replaces Hypothesis's built-in)."""
    for name in names:
        settings.register_profile(name, settings.get_profile(ALIASES[name]))


def canonical(name: str) -> str:
    """The harness profile ``name`` selects: itself, or the one an alias stands for."""
    return ALIASES.get(name, name)


#: The profile ``seeded`` loads: Hypothesis's own default (random, as a user's suite runs),
#: without the example database, so that a seed alone decides the examples.
SEEDED = "clerk-harness-seeded"


@contextmanager
def seeded(seed: int, *, parent: str = "default", **changes: Any) -> Iterator[None]:
    """Run as a user's default random profile does (or ``parent``, with ``changes``), with
    ``seed`` forced: the proof that a correct implementation holds under any seed, not only
    under ``clerk-ci``'s one (replayable); how ``benchmarks/run.py`` measures detection."""
    settings.register_profile(SEEDED, parent=settings.get_profile(parent), database=None, **changes)
    previous, forced = settings.get_current_profile_name(), hypothesis.core.global_force_seed
    settings.load_profile(SEEDED)
    hypothesis.core.global_force_seed = seed  # type: ignore[assignment]  # what --hypothesis-seed sets
    try:
        yield
    finally:
        hypothesis.core.global_force_seed = forced
        settings.load_profile(previous)
