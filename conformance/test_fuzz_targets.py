"""HypoFuzz targets: each invariant's property as a module-level Hypothesis test, no fixtures.

HypoFuzz fuzzes the ``@given`` tests pytest collects that take no fixtures. The conformance
suite builds its tests per SUT at run time (``test_conformance.py``), so this module builds
the same tests at import — against the SUT named by ``CLERK_HARNESS_FUZZ``, with the clock
frozen for the whole process (the tests move it) — and is skipped without that variable::

    CLERK_HARNESS_FUZZ=my_pkg.auth:make hypothesis fuzz -- --pyargs conformance -k fuzz_targets

One test per applicable invariant, named ``test_<id>`` (``test_cache_isolation``…). The
login-history machine runs in ``clerk-harness audit``, not here; fuzz it through
``login_history_machine(make).TestCase`` in a test module of your own.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable

import pytest

from strategies import frozen_clock

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

_CLOCK = frozen_clock()
_CLOCK.__enter__()  # for the process's lifetime: each target moves the clock it shares
atexit.register(_CLOCK.__exit__, None, None, None)  # thawed before the interpreter shuts down
globals().update(fuzz_targets(Target.load(_SPEC)))
