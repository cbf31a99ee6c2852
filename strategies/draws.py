"""Choosing from and shuffling a list without building a strategy per call.

``draw(st.sampled_from(options))`` makes a new strategy each time it runs, and Hypothesis
validates every new strategy before drawing from it — which cost more than the draw itself in
strategies that run many times an example. ``pick`` draws an index from a cached ``integers``
strategy instead, and ``shuffled`` an order from a cached ``permutations`` of indices: the same
choices, shrinking to the first option and to the original order."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


def pick(draw: st.DrawFn, options: Sequence[T]) -> T:
    """One of ``options`` (non-empty), as ``draw(st.sampled_from(options))`` would draw it.

    >>> @st.composite
    ... def greetings(draw):
    ...     return pick(draw, ["hello", "hi"]) + ", " + pick(draw, ["Ada", "Grace"])
    """
    return options[draw(st.integers(0, len(options) - 1))]


@functools.cache
def _orders(size: int) -> st.SearchStrategy[list[int]]:
    return st.permutations(list(range(size)))


def shuffled(draw: st.DrawFn, items: Sequence[T]) -> list[T]:
    """``items`` in any order, as ``draw(st.permutations(items))`` would draw it."""
    return [items[index] for index in draw(_orders(len(items)))]
