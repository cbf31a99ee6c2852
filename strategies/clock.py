"""Time travel for invariants that need it: freeze once per test, move time inside examples.

freezegun patches ``time.perf_counter``/``monotonic`` too, and Hypothesis times itself with
them. Its modules (and pytest's) are on the ignore list, and only the *immediate* caller of a
clock function decides which clock it sees: Hypothesis's deadlines and health checks read the
real clock, while the SUT — however shallow its call stack under Hypothesis — reads the frozen
one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import freezegun.api
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory, TickingDateTimeFactory

#: Where every example's clock starts: the seed pull request's merge day.
EPOCH = datetime(2026, 6, 29, 10, 18, tzinfo=UTC)
IGNORED_BY_CLOCK = (
    "hypothesis", "_pytest", "pytest", "pluggy", "xdist", "execnet", "_hypothesis", "hypofuzz",
)  # fmt: skip

Clock = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory


def timestamp(instant: datetime = EPOCH) -> int:
    """``instant`` as whole Unix seconds."""
    return int(instant.timestamp())


_active: list[Clock] = []  # the clock frozen_clock() froze, while it is frozen


@contextmanager
def frozen_clock() -> Iterator[Clock]:
    """Freeze the clock at ``EPOCH`` for the SUT only; ``clock.move_to(EPOCH)`` per example.
    Inside another ``frozen_clock()``, it is that same clock (one frozen time, one mover).

    By default freezegun lets a call use the real clock when any of its five innermost callers
    is an ignored module — so a SUT called straight from a Hypothesis-run function would see
    the real time. Inspecting just the immediate caller keeps the frozen clock for everything
    but Hypothesis and pytest themselves."""
    if _active:
        yield _active[-1]
        return
    depth = freezegun.api.call_stack_inspection_limit
    freezegun.api.call_stack_inspection_limit = 1
    try:
        with freeze_time(EPOCH, ignore=list(IGNORED_BY_CLOCK)) as clock:
            _active.append(clock)
            try:
                yield clock
            finally:
                _active.pop()
    finally:
        freezegun.api.call_stack_inspection_limit = depth
