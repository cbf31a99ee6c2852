"""Repository-wide Hypothesis profiles (``conformance.profiles``), selected with
``--hypothesis-profile`` (default ``clerk-dev``; ``dev`` and ``deep`` still name the harness's
here, where they cannot mean anything else); and the slow tests scheduled first.

Test modules import what they test at module level, never inside a test: Hypothesis draws some
values from the constants of the project's modules loaded so far, so a module first loaded by
one test would change the examples of the tests after it in the same xdist worker — even
derandomized ones."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import Phase, settings

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


@pytest.fixture
def unshrunk() -> Iterator[None]:
    """The loaded profile without shrinking, for a test that compares which sub-checks a row
    finds, not how small their counterexamples are: each finding then costs its first failing
    example, not a shrink of it (over HTTP, hundreds of requests). What the audit prints is
    shrunk; the tests of its output (tests/test_cli.py, tests/test_readme.py) keep shrinking."""
    previous = settings.get_current_profile_name()
    loaded = settings.get_profile(previous)
    phases = tuple(phase for phase in loaded.phases if phase is not Phase.shrink)
    settings.register_profile("clerk-unshrunk", parent=loaded, phases=phases)
    settings.load_profile("clerk-unshrunk")
    try:
        yield
    finally:
        settings.load_profile(previous)


#: The quick tier (``-m quick``, the README's edit loop): the tests of the reference, the
#: strategies, the rows and their declarations, the reports, the plugin, and the reference
#: against every row. The rest — the catalogue, black-box mode, the peers, random seeds, the
#: command end to end, reuse from a wheel — runs in the full command.
QUICK = frozenset(
    {
        "conformance/test_conformance.py",
        "tests/test_attacks.py",
        "tests/test_capabilities.py",
        "tests/test_fuzz_targets.py",
        "tests/test_history.py",
        "tests/test_plugin.py",
        "tests/test_report_html.py",
        "tests/test_report_sarif.py",
        "tests/test_rows.py",
        "tests/test_strategies.py",
        "tests/test_subchecks.py",
        "tests/test_wire.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the quick tier (``QUICK``, and every ``tests/test_reference_*.py``); run the tests
    marked ``slow`` first (stable order otherwise): under xdist one worker starts the longest
    while the others share the rest, instead of it starting last and running alone."""
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if where in QUICK or where.startswith("tests/test_reference_"):
            item.add_marker(pytest.mark.quick)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
