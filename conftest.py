"""Repository-wide Hypothesis profiles (``conformance.profiles``), selected with
``--hypothesis-profile`` (default ``dev``); every module a test loads lazily, loaded first; and
the slow tests scheduled first."""

import contextlib
import importlib

import pytest
from hypothesis import settings

from conformance import profiles

profiles.register()
settings.load_profile("dev")

# Hypothesis draws some values from the constants in the project's modules loaded so far, so
# even a derandomized test's examples would depend on which tests ran before it in the same
# xdist worker (one that loaded an adapter, say). Loading up front every module a test loads
# lazily makes the examples the same whatever the order.
importlib.import_module("conformance.audit")
for adapter in ("clerk_backend_api", "fastapi_clerk_auth"):
    with contextlib.suppress(ImportError):  # the peers extra is not installed
        importlib.import_module(f"conformance.adapters.{adapter}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first (stable order otherwise): under xdist one worker starts
    the longest while the others share the rest, instead of it starting last and running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
