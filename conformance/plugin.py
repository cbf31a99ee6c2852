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
    """Add ``--sut module:callable`` (repeatable): the implementations the suite checks."""
    group = parser.getgroup("clerk-session-harness")
    group.addoption(
        "--sut",
        action="append",
        default=[],
        metavar="MODULE:CALLABLE",
        help=f"factory of an authenticator under test, repeatable (default: {DEFAULT_SUT}, the "
        "reference); with several, each test runs against each",
    )


def sut_specs(config: pytest.Config) -> list[str]:
    """The ``--sut`` values, in order, without repeats (none given: the reference)."""
    specs: list[str] = config.getoption("--sut") or [DEFAULT_SUT]
    return list(dict.fromkeys(specs))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several ``--sut``, run each test using ``sut`` against each (IDs ``spec-INVARIANT``)."""
    specs = sut_specs(metafunc.config)
    if "sut" in metafunc.fixturenames and len(specs) > 1:
        metafunc.parametrize("sut", specs, indirect=True, scope="session", ids=specs)


@pytest.fixture(scope="session")
def sut(request: pytest.FixtureRequest) -> Target:
    """The implementation under test, loaded once per session (per ``--sut``)."""
    spec = str(getattr(request, "param", None) or sut_specs(request.config)[0])
    try:
        return Target.load(spec)
    except SutLoadError as exc:
        raise pytest.UsageError(str(exc)) from exc
