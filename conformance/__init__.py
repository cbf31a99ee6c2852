"""The conformance suite: the invariants of DESIGN.md §4, runnable against any implementation.

* ``INVARIANTS`` / ``BY_ID`` — the table, each row with its check;
* ``Target`` — a SUT factory with the harness's settings and keys;
* ``catalogue`` — known-flawed implementations the suite must catch.

``pytest --pyargs conformance --sut my_pkg.auth:make`` runs it as a pytest suite.
"""

from .registry import BY_ID, INVARIANTS, SEVERITIES, Invariant
from .target import DEFAULT_SUT, InvariantViolation, SutLoadError, Target, load_factory

__all__ = [
    "BY_ID",
    "DEFAULT_SUT",
    "INVARIANTS",
    "SEVERITIES",
    "Invariant",
    "InvariantViolation",
    "SutLoadError",
    "Target",
    "load_factory",
]
