"""HypoFuzz targets: each invariant's property as a module-level Hypothesis test, no fixtures.

HypoFuzz fuzzes the ``@given`` tests pytest collects that take no fixtures. The conformance
suite builds its tests per SUT at run time (``test_conformance.py``), so this module builds
the same tests at import — against the SUT named by ``CLERK_HARNESS_FUZZ``, with the clock
frozen for the whole process (the tests move it). It is collected only when named (its name
does not match ``test_*.py``, so ``pytest --pyargs conformance`` never sees it), and skipped
without that variable::

    CLERK_HARNESS_FUZZ=my_pkg.auth:make hypothesis fuzz -- --pyargs conformance.fuzz_targets

One test per applicable invariant, named ``test_<id>`` (``test_cache_isolation``…) — and
``test_<id>_2``, ``_3``… for a check's further properties (TOTAL's odd profile claims, broken
request headers, broken v2 claims) — and the
login-history machine with all its checks, ``TestLoginHistory`` (HypoFuzz fuzzes a state
machine's ``TestCase`` too). HypoFuzz skips derandomized tests: fuzz under a random profile.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable

import pytest

from strategies import frozen_clock, login_history_machine

from .invariants._common import capturing
from .registry import INVARIANTS
from .target import Target

FUZZ_ENV = "CLERK_HARNESS_FUZZ"


def fuzz_targets(target: Target) -> dict[str, Callable[[], None]]:
    """``test_<id>`` → the Hypothesis test the invariant's check runs, for each applicable one."""
    targets: dict[str, Callable[[], None]] = {}
    for invariant in INVARIANTS:
        if invariant.missing(target):
            continue
        with capturing() as tests:
            invariant.check(target)
        for index, test in enumerate(tests):
            name = "test_" + invariant.id.lower().replace("-", "_")
            targets[name if index == 0 else f"{name}_{index + 1}"] = test
    return targets


_SPEC = os.environ.get(FUZZ_ENV)
if not _SPEC:
    pytest.skip(f"set {FUZZ_ENV}=module:callable to build fuzz targets", allow_module_level=True)

_FROZEN = frozen_clock()
_CLOCK = _FROZEN.__enter__()  # for the process's lifetime: each target moves the clock it shares
atexit.register(_FROZEN.__exit__, None, None, None)  # thawed before the interpreter shuts down
_TARGET = Target.load(_SPEC)
globals().update(fuzz_targets(_TARGET))
if _TARGET.claims_capable:
    #: The login-history machine with all three checks, as a ``unittest`` test case.
    TestLoginHistory = login_history_machine(
        _TARGET.factory, _TARGET.settings, clock=_CLOCK
    ).TestCase
