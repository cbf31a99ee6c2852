"""Time travel inside examples: the SUT's clock jumps by years, Hypothesis's does not.

Every time-dependent invariant freezes the clock once per test (``frozen_clock``) and moves it
inside each example. If Hypothesis read the frozen clock, an example that moves time by years
would look years long — a deadline error or a flaky-timing failure. The deadline below is not a
performance bound: real examples take milliseconds; it is a tripwire for a clock Hypothesis
should never see.
"""

from __future__ import annotations

import time
import warnings
from datetime import timedelta

import freezegun.api
import pytest
from freezegun import freeze_time
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import DeadlineExceeded, FlakyFailure

from strategies.clock import EPOCH, frozen_clock, timestamp

YEAR = timedelta(days=365)
TRIPWIRE = settings(
    settings.get_profile("clerk-ci"),
    deadline=timedelta(seconds=10),
    max_examples=25,
    suppress_health_check=(),
)


def read_clock() -> float:
    """What a SUT sees: ``time.time()`` called from ordinary code."""
    return time.time()


def test_moving_time_by_years_inside_examples_leaves_hypothesis_timing_alone() -> None:
    jumps: list[float] = []
    with frozen_clock() as clock:

        @TRIPWIRE
        @given(years=st.integers(1, 40))
        def run(years: int) -> None:
            clock.move_to(EPOCH)
            assert read_clock() == timestamp()  # the SUT sees the frozen clock...
            clock.tick(years * YEAR)
            jumps.append(read_clock() - timestamp())  # ...and sees it jump

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a health-check or deadline warning fails the test
            run()

    assert len(jumps) == 25 and min(jumps) >= YEAR.total_seconds()
    assert max(jumps) >= 30 * YEAR.total_seconds()


def test_the_tripwire_fires_when_hypothesis_sees_the_frozen_clock() -> None:
    """The control: freezegun's defaults (no ignore list) hand Hypothesis the frozen clock, and
    the same years-long jumps become deadline failures."""
    with freeze_time(EPOCH) as clock:

        @settings(TRIPWIRE, phases=[Phase.generate])  # shrinking would "take" years too
        @given(years=st.integers(1, 40))
        def run(years: int) -> None:
            clock.tick(years * YEAR)

        with pytest.raises((DeadlineExceeded, FlakyFailure)):
            run()


def test_frozen_clock_restores_freezegun_state() -> None:
    depth = freezegun.api.call_stack_inspection_limit
    with frozen_clock():
        assert freezegun.api.call_stack_inspection_limit == 1
    assert freezegun.api.call_stack_inspection_limit == depth
    assert abs(time.time() - timestamp()) > 3600  # real time again, not the epoch
