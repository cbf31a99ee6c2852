"""The plugin's command-line checks, in-process and quick (``tests/test_reuse.py`` runs them
from an outside project, with the built wheel): the profiles by name, and the one-line usage
errors that replace Hypothesis's INTERNALERROR and an error per test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from conformance import plugin, profiles

ROOT = Path(__file__).parent.parent


def test_the_harness_profiles_are_registered_by_their_own_names() -> None:
    ci = settings.get_profile("clerk-ci")
    assert ci.derandomize and ci.database is None and ci.stateful_step_count == 25
    assert settings.get_profile("clerk-deep").max_examples == 2_000
    dev = settings.get_profile("clerk-dev")  # (random, with the example database — but on a
    # CI machine, where Hypothesis loads its own derandomized, database-less `ci` profile first)
    assert (dev.max_examples, dev.stateful_step_count, dev.deadline) == (100, 25, None)
    assert settings.get_profile("ci").stateful_step_count != 25  # Hypothesis's, left alone
    assert [profiles.canonical(name) for name in ("dev", "ci", "deep", "clerk-ci", "other")] == [
        "clerk-dev", "clerk-ci", "clerk-deep", "clerk-ci", "other",
    ]  # fmt: skip


def test_an_unregistered_profile_is_one_usage_line_naming_the_harness_profiles() -> None:
    plugin.check_profile("clerk-ci")
    plugin.check_profile(None)
    with pytest.raises(pytest.UsageError) as refused:
        plugin.check_profile("nightly")
    (line,) = str(refused.value).splitlines()
    assert "'nightly'" in line and all(name in line for name in profiles.PROFILES)


def test_this_repository_refuses_the_ambiguous_ci_in_one_line() -> None:
    def collect(profile: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "tests/test_clock.py", "--co", "-q", "-p",
             "no:xdist", f"--hypothesis-profile={profile}"],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    refused = collect("ci")
    assert refused.returncode == pytest.ExitCode.USAGE_ERROR, refused.stdout + refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert "clerk-ci" in line
    assert collect("clerk-ci").returncode == 0
    assert collect("deep").returncode == 0  # the former name, unambiguous here


def test_the_plugin_loads_light() -> None:
    """The plugin loads in every pytest run of a project that installs the harness: importing it
    imports no invariant module, no black-box mode (``http.server``) and not the suite's
    registry. (``subprocess`` is Hypothesis's own import.)"""
    probe = (
        "import sys, conformance.plugin; "
        "print('\\n'.join(m for m in sys.modules if m.startswith(('conformance.', 'http.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(done.stdout.split())
    assert not {m for m in loaded if m.startswith("conformance.invariants")}, loaded
    assert not loaded & {"http.server", "conformance.registry"}, loaded
    assert not loaded & {"conformance.blackbox.service", "conformance.target"}, loaded


def test_the_plugin_and_the_keys_name_one_variable() -> None:
    from conformance.options import KEYS_ENV
    from strategies.keys import KEYS_ENV as KEYS_FILE_VARIABLE

    assert KEYS_ENV == KEYS_FILE_VARIABLE
