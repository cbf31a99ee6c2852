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

from .tokens import TOKEN_LIFETIME_S

#: Where every example's clock starts: the seed pull request's merge day.
EPOCH = datetime(2026, 6, 29, 10, 18, tzinfo=UTC)
IGNORED_BY_CLOCK = (
    "hypothesis", "_pytest", "pytest", "pluggy", "xdist", "execnet", "_hypothesis", "hypofuzz",
)  # fmt: skip

Clock = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory

#: 2038-01-19T03:14:07Z: the last second a signed 32-bit Unix time holds.
I32_MAX = 2**31 - 1
#: The last instant Clerk's sessions reach (VALID-ACCEPTED draws from today to it).
LAST_INSTANT = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
#: The time class of an instant whose session's times — its ``exp``, a minute on — no longer
#: fit a signed 32-bit Unix time: a control made then is labelled with it, and the
#: VALID-ACCEPTED sub-check that names such refusals is named after it.
AFTER_2038 = "after-2038"


def time_class(now: float) -> str:
    """``AFTER_2038`` when a session minted at ``now`` carries a time past ``I32_MAX``, else
    ``""``: what a control refused then may be refused for.

    >>> time_class(timestamp(EPOCH)), time_class(I32_MAX)
    ('', 'after-2038')
    """
    return AFTER_2038 if now + TOKEN_LIFETIME_S > I32_MAX else ""


def timestamp(instant: datetime = EPOCH) -> int:
    """``instant`` as whole Unix seconds."""
    return int(instant.timestamp())


_active: list[Clock] = []  # the clock frozen_clock() froze, while it is frozen


def is_frozen() -> bool:
    """Whether ``frozen_clock()`` has frozen the clock (a check moving time): only then does
    the instant an instance is built at differ from the one its requests are made at."""
    return bool(_active)


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
