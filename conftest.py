"""Repository-wide Hypothesis profiles (``conformance.profiles``), selected with
``--hypothesis-profile`` (default ``clerk-dev``; ``dev`` and ``deep`` still name the harness's
here, where they cannot mean anything else); and the slow tests scheduled first.

Test modules import what they test at module level, never inside a test: Hypothesis draws some
values from the constants of the project's modules loaded so far, so a module first loaded by
one test would change the examples of the tests after it in the same xdist worker — even
derandomized ones."""

import os

import pytest
from hypothesis import settings

from conformance import profiles

profiles.register()  # the plugin has too, when installed; these tests need them regardless
profiles.register_aliases(("dev", "deep"))  # not ``ci``: Hypothesis's built-in keeps its name
settings.load_profile("clerk-dev")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """``--hypothesis-profile=ci`` is a one-line usage error here: it named this repository's
    profile before, and would now silently run Hypothesis's built-in ``ci`` instead."""
    if config.getoption("--hypothesis-profile", None) == "ci" and not os.environ.get(
        profiles.PROFILES_ENV
    ):
        raise pytest.UsageError(
            "--hypothesis-profile=ci is Hypothesis's built-in profile; this repository's "
            "deterministic one is clerk-ci"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first (stable order otherwise): under xdist one worker starts
    the longest while the others share the rest, instead of it starting last and running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
