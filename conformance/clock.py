"""Time travel for invariants that need it: freeze once per test, move time inside examples.

freezegun patches ``time.perf_counter``/``monotonic`` too, and Hypothesis times itself with
them; its modules (and pytest's) are on the ignore list, so its deadlines and health checks
see the real clock while the SUT sees the frozen one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory, TickingDateTimeFactory

#: Where every example's clock starts: the seed pull request's merge day.
EPOCH = datetime(2026, 6, 29, 10, 18, tzinfo=UTC)
IGNORED_BY_CLOCK = ("hypothesis", "_pytest", "pytest", "pluggy", "xdist", "execnet", "_hypothesis")

Clock = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory


@contextmanager
def frozen_clock() -> Iterator[Clock]:
    """Freeze the clock at ``EPOCH`` for the SUT only; ``clock.move_to(EPOCH)`` per example."""
    with freeze_time(EPOCH, ignore=list(IGNORED_BY_CLOCK)) as clock:
        yield clock
