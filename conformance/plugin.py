"""The pytest plugin (entry point ``pytest11``): the ``--sut`` option and the ``sut`` fixture.

It loads in every pytest run of a project that installs the harness, so it stays light: it adds
an option and a fixture, and never touches the host project's Hypothesis settings — unless
``CLERK_HARNESS_PROFILES`` is set, as ``clerk-harness`` sets it for its own runs (and their
xdist workers): then the harness's ``dev``/``ci``/``deep`` profiles are registered.
"""

from __future__ import annotations

import os

import pytest

from . import profiles
from .target import DEFAULT_SUT, SutLoadError, Target

PROFILES_ENV = "CLERK_HARNESS_PROFILES"

if os.environ.get(PROFILES_ENV):
    profiles.register()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--sut module:callable``: the implementation the conformance suite checks."""
    group = parser.getgroup("clerk-session-harness")
    group.addoption(
        "--sut",
        default=DEFAULT_SUT,
        metavar="MODULE:CALLABLE",
        help=f"factory of the authenticator under test (default: {DEFAULT_SUT}, the reference)",
    )


@pytest.fixture(scope="session")
def sut(request: pytest.FixtureRequest) -> Target:
    """The implementation under test, loaded once per session from ``--sut``."""
    spec = str(request.config.getoption("--sut"))
    try:
        return Target.load(spec)
    except SutLoadError as exc:
        raise pytest.UsageError(str(exc)) from exc
