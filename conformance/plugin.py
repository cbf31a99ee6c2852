"""The pytest plugin (entry point ``pytest11``): the ``--sut`` option and the ``sut`` fixture.

It loads in every pytest run of a project that installs the harness, so it stays light: it adds
options and a fixture, and registers the harness's profiles under names of their own
(``clerk-dev``, ``clerk-ci``, ``clerk-deep``: ``profiles``), loading none — the host project's
Hypothesis settings and default profile stay its own. Only a run naming SUTs (``--sut`` and
the like) is changed: the invocation directory goes first on ``sys.path`` (``--sut`` names the
user's modules, as ``clerk-harness audit`` finds them, whether pytest was started as ``pytest``
or ``python -m pytest``), and the SUTs are loaded once before the session, so a bad one is one
usage error.

Before the suite's first test, every process that runs tests — the only one with ``-n 0``,
each xdist worker otherwise — imports the same modules (``preload``): every ``--sut`` module and
every module of the harness (the catalogue and the command line among them). Hypothesis draws
some values from the constants of the *local* modules loaded so far (``HypothesisProvider``'s
local constants, which no setting turns off), so a module first loaded by one test — a SUT, on
its first test — changed the examples of the tests after it: the verdicts then depended on
the worker count, the scheduling, the test order, the other ``--sut`` and on whether
``clerk-harness audit`` (which loads its SUTs and its own modules up front) ran them. With
every module loaded first, the examples depend on the command line alone.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis.errors import InvalidArgument

from . import profiles
from .options import CROWD, DEFAULT_SUT, KEYS_ENV, SUT_OPTIONS, parse_crowd, parse_shard
from .profiles import PROFILES_ENV as PROFILES_ENV  # re-exported: where it always was

if TYPE_CHECKING:  # the suite itself, its invariants and black-box mode load when a hook runs
    from .target import Target

profiles.register()
if os.environ.get(PROFILES_ENV):  # the short names asked for: old reproduce lines set it
    profiles.register_aliases()
#: ``conformance.fuzz_targets.FUZZ_ENV`` (a module not imported here: it builds tests on import),
#: the SUT the HypoFuzz targets are built against.
FUZZ_ENV = "CLERK_HARNESS_FUZZ"


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
    group.addoption(
        "--sut-serve",
        action="append",
        default=[],
        metavar="CMD",
        help="a command starting a service under test, reached over HTTP (the README's wire "
        "contract), repeatable; mixes with --sut",
    )
    group.addoption(
        "--sut-url",
        action="append",
        default=[],
        metavar="URL",
        help="a service under test already running at http://127.0.0.1:PORT, started with "
        "`clerk-harness env`'s environment (one process: no -n); mixes with --sut",
    )
    group.addoption(
        "--sut-keys",
        metavar="FILE",
        help="the keys file `clerk-harness env` wrote, which a --sut-url service trusts "
        f"(sets {KEYS_ENV})",
    )
    group.addoption(
        "--declared-rows",
        action="store_true",
        help="run each catalogue entry only on the rows it declares violating (every row for "
        "one whose claim is about every row); other SUTs on every row",
    )
    group.addoption(
        "--crowd",
        metavar="N",
        help=f"how many identities CACHE-ISOLATION's crowd logs in, each twice (default {CROWD}; "
        "the README's birthday-bound table says what each size detects): smaller for a SUT "
        "whose first login is slow (a database insert)",
    )
    group.addoption(
        "--shard",
        metavar="K/N",
        help="run only the K-th of N deterministic parts of the cells (SUT x invariant); "
        "`clerk-harness report` merges the parts' JSON into one report",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """In every process — xdist workers too: ``--sut-keys``, signing with the keys file's keys;
    a run naming SUTs (``--sut``, ``CLERK_HARNESS_FUZZ``) imports them from the invocation
    directory; before Hypothesis loads ``--hypothesis-profile``, a run of the suite naming no
    registered profile is a usage error."""
    keys = config.getoption("--sut-keys", None)
    if keys:
        os.environ[KEYS_ENV] = str(keys)
    if names_suts(config) or os.environ.get(FUZZ_ENV):
        importable_from(config.invocation_params.dir)
    if names_suts(config) or runs_the_suite(config):
        check_profile(config.getoption("--hypothesis-profile", None))
        try:
            parse_crowd(config.getoption("--crowd", None))
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None


def names_suts(config: pytest.Config) -> bool:
    """Whether the command line gives any of ``SUT_OPTIONS``."""
    return any(config.getoption(option, None) for option in SUT_OPTIONS)


def runs_the_suite(config: pytest.Config) -> bool:
    """Whether the command line runs ``conformance`` (``--pyargs conformance``, or a module or
    test of it)."""
    if not config.getoption("pyargs", False):
        return False
    return any(arg.partition("::")[0].split(".")[0] == "conformance" for arg in config.args)


def importable_from(directory: Path) -> None:
    """Put ``directory`` first on ``sys.path`` (once): ``--sut`` names modules there, as
    ``python -m pytest`` and ``clerk-harness audit`` find them."""
    here = str(directory)
    if here not in sys.path:
        sys.path.insert(0, here)


def check_profile(name: str | None) -> None:
    """``pytest.UsageError``, one line, when ``--hypothesis-profile`` names no registered
    profile (Hypothesis's own error would be an INTERNALERROR and its traceback)."""
    if not name:
        return
    try:
        settings.get_profile(name)
    except InvalidArgument:
        harness = ", ".join(profiles.PROFILES)
        raise pytest.UsageError(
            f"--hypothesis-profile {name!r}: not a registered profile; the harness's are "
            f"{harness} (the short names only with {PROFILES_ENV}=1 or in clerk-harness audit)"
        ) from None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Load every SUT named once, before any test and any xdist worker starts (in the
    controller, or the only process): a bad one is one usage error, not an error per test."""
    config = session.config
    if hasattr(config, "workerinput") or not names_suts(config):
        return
    from .blackbox.service import ServedFactory, is_url
    from .target import SutLoadError, Target

    distributed = getattr(config.option, "dist", "no") != "no"
    for spec in sut_specs(config):
        if is_url(spec) and distributed:
            raise pytest.UsageError(URL_NEEDS_ONE_PROCESS)
        try:
            target = Target.load(spec)
        except SutLoadError as exc:
            raise pytest.UsageError(str(exc)) from None
        if distributed and isinstance(target.factory, ServedFactory):
            target.factory.stop()  # the workers start their own; none idles here meanwhile


URL_NEEDS_ONE_PROCESS = "--sut-url: one running service is one instance: run with -n 0"


def sut_specs(config: pytest.Config) -> list[str]:
    """The ``--sut`` values, then the ``--sut-serve`` ones, then the ``--sut-url`` ones, in
    order, without repeats (none given: the reference)."""
    from .blackbox.service import serve_spec, url_spec

    served = [serve_spec(command) for command in config.getoption("--sut-serve")]
    running = [url_spec(url) for url in config.getoption("--sut-url")]
    specs: list[str] = config.getoption("--sut") + served + running or [DEFAULT_SUT]
    return list(dict.fromkeys(specs))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several ``--sut``, run each test using ``sut`` against each (IDs ``spec-INVARIANT``)."""
    specs = sut_specs(metafunc.config)
    if "sut" in metafunc.fixturenames and len(specs) > 1:
        metafunc.parametrize("sut", specs, indirect=True, scope="session", ids=specs)


#: The harness's packages, imported in full by ``preload`` — except these modules, which do
#: something on import or belong elsewhere: run the command line, build HypoFuzz targets (or
#: skip), import the optional ``peers`` (an adapter is preloaded when a ``--sut`` names it),
#: and the served shim (a process of its own, which imports freezegun).
HARNESS_PACKAGES = ("reference", "strategies", "conformance")
NOT_PRELOADED = frozenset(
    {
        "conformance.__main__",
        "conformance.fuzz_targets",
        "conformance.adapters",
        "conformance.blackbox.serve",
    }
)


def harness_modules() -> Iterator[str]:
    """The names of the harness's modules ``preload`` imports (not its test modules)."""
    for package in HARNESS_PACKAGES:
        yield from _modules_of(package)


def _modules_of(package: str) -> Iterator[str]:
    yield package
    path = getattr(importlib.import_module(package), "__path__", ())
    for info in pkgutil.iter_modules(path, f"{package}."):
        if info.name in NOT_PRELOADED or info.name.rpartition(".")[2].startswith("test_"):
            continue
        if info.ispkg:
            yield from _modules_of(info.name)
        else:
            yield info.name


def preload(config: pytest.Config) -> None:
    """Import every harness module and every ``--sut`` module now, so that each process runs
    every test with the same modules loaded (see the module docstring). A module that cannot be
    imported is left out — in every process alike (``pytest_sessionstart`` reports it)."""
    from .blackbox.service import served_command

    modules = [spec.partition(":")[0] for spec in sut_specs(config) if not served_command(spec)]
    for name in [*harness_modules(), *modules]:
        try:
            importlib.import_module(name)
        except Exception:
            continue


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--declared-rows``, deselect each catalogue entry's undeclared rows; with
    ``--shard K/N``, all but the K-th of every N cells, in collection order (the same in every
    process: the choice depends on the command line alone)."""
    try:
        shard = parse_shard(config.getoption("--shard"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc
    kept = list(items)
    if config.getoption("--declared-rows"):
        kept = [item for item in kept if _declared(config, item)]
    if shard:
        cells = list(dict.fromkeys(cell for item in kept if (cell := _cell(config, item))))
        mine = set(cells[shard[0] - 1 :: shard[1]])
        kept = [item for item in kept if _cell(config, item) in mine]
    if len(kept) < len(items):
        chosen = set(map(id, kept))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in chosen])
        items[:] = kept


def _cell(config: pytest.Config, item: pytest.Item) -> tuple[str, str] | None:
    """The (SUT, invariant) cell an item checks; None for any other test (in every shard)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    invariant = getattr(params.get("invariant"), "id", None)
    if not isinstance(invariant, str) or "sut" not in getattr(item, "fixturenames", ()):
        return None
    return str(params.get("sut", sut_specs(config)[0])), invariant


def _declared(config: pytest.Config, item: pytest.Item) -> bool:
    """Whether ``--declared-rows`` keeps the item: a catalogue entry's declared rows only."""
    from . import catalogue  # only here: the plugin loads in every host project's pytest

    cell = _cell(config, item)
    name = catalogue.entry_name(cell[0]) if cell else None
    audited = catalogue.audited_rows(name) if cell and name else None
    return audited is None or cell is None or cell[1] in audited


def pytest_collection_finish(session: pytest.Session) -> None:
    """Preload once the tests are collected, before any runs, in each process that runs them
    (xdist workers collect too) — when the session runs tests using ``sut``."""
    if any("sut" in getattr(item, "fixturenames", ()) for item in session.items):
        preload(session.config)


@pytest.fixture(scope="session")
def sut(request: pytest.FixtureRequest) -> Target:
    """The implementation under test, loaded once per session (per ``--sut``)."""
    from .blackbox.service import is_url
    from .target import SutLoadError, Target

    spec = str(getattr(request, "param", None) or sut_specs(request.config)[0])
    if is_url(spec) and hasattr(request.config, "workerinput"):
        raise pytest.UsageError(URL_NEEDS_ONE_PROCESS)
    try:
        return Target.load(spec, crowd=parse_crowd(request.config.getoption("--crowd", None)))
    except SutLoadError as exc:
        raise pytest.UsageError(str(exc)) from exc
