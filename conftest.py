"""Repository-wide Hypothesis profiles (``conformance.profiles``), selected with
``--hypothesis-profile`` (default ``dev``); and the slow tests scheduled first.

Test modules import what they test at module level, never inside a test: Hypothesis draws some
values from the constants of the project's modules loaded so far, so a module first loaded by
one test would change the examples of the tests after it in the same xdist worker — even
derandomized ones."""

import pytest
from hypothesis import settings

from conformance import profiles

profiles.register()
settings.load_profile("dev")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first (stable order otherwise): under xdist one worker starts
    the longest while the others share the rest, instead of it starting last and running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
