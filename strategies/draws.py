"""Drawing from a list without building a strategy per call.

``draw(st.sampled_from(options))`` makes a new strategy each time it runs, and Hypothesis
validates every new strategy before drawing from it — which cost more than the draw itself in
strategies that run many times an example. ``pick`` draws an index from a cached ``integers``
strategy instead: the same choice, shrinking to the first option."""

from __future__ import annotations

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
