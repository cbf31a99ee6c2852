"""The conformance suite: the invariants (README, *The invariants*), runnable against any
implementation.

* ``INVARIANTS`` / ``BY_ID`` — the table, each row with its check;
* ``Target`` — a SUT factory with the harness's settings and keys;
* ``catalogue`` — known-flawed implementations the suite must catch.

``pytest --pyargs conformance --sut my_pkg.auth:make`` runs it as a pytest suite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .registry import BY_ID, INVARIANTS, SEVERITIES, Invariant
    from .target import DEFAULT_SUT, InvariantViolation, SutLoadError, Target, load_factory

#: Where each name is defined: imported when first asked for, so that importing the pytest
#: plugin (``conformance.plugin``, loaded in every pytest run) loads none of the suite.
_HOME = {
    **dict.fromkeys(("BY_ID", "INVARIANTS", "SEVERITIES", "Invariant"), ".registry"),
    **dict.fromkeys(
        ("DEFAULT_SUT", "InvariantViolation", "SutLoadError", "Target", "load_factory"), ".target"
    ),
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name], __name__), name)


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
