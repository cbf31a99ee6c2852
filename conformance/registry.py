"""The invariant table (README, *The invariants*): every row, as the module defining its check
declared it (``conformance.rows``), in the order of ``MODULES``."""

from __future__ import annotations

from types import ModuleType

from .findings import SEVERITIES, SubCheck
from .invariants import (
    cache,
    concurrency,
    identity,
    keys,
    linking,
    machines,
    paths,
    requests,
    session,
    spoof,
    tokens,
    total,
    valid,
)
from .rows import DECLARED, Invariant

#: The modules declaring rows, in the table's order; each declares its rows in order.
MODULES: tuple[ModuleType, ...] = (
    identity,
    session,
    total,
    cache,
    concurrency,
    tokens,
    requests,
    paths,
    keys,
    linking,
    machines,
    valid,
    spoof,
)


def _table() -> tuple[Invariant, ...]:
    """Every declared row, sealed, ordered by the module of its check (``MODULES``)."""
    order = {module.__name__: i for i, module in enumerate(MODULES)}
    rows = [row.seal() for row in DECLARED]
    unlisted = {row.check.__module__ for row in rows} - order.keys()
    if unlisted:
        raise ValueError(f"rows declared outside registry.MODULES: {sorted(unlisted)}")
    return tuple(sorted(rows, key=lambda row: order[row.check.__module__]))  # stable


INVARIANTS: tuple[Invariant, ...] = _table()
BY_ID = {invariant.id: invariant for invariant in INVARIANTS}


def lookup(row: str, name: str) -> SubCheck:
    """The declaration of sub-check ``row/name``."""
    return BY_ID[row].subcheck(name)


__all__ = ["BY_ID", "INVARIANTS", "SEVERITIES", "Invariant", "lookup"]
