"""The HypoFuzz targets (``conformance/fuzz_targets.py``): module-level Hypothesis tests
that take no fixtures — what HypoFuzz fuzzes — one per applicable invariant, which catch what
the suite catches. Run in subprocesses: the module freezes the clock for its whole process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conformance import INVARIANTS

ROOT = Path(__file__).parent.parent
#: The checks that run further properties, and their targets' names: TOTAL's odd profile
#: claims, broken request headers and broken v2 claims.
SECOND_PROPERTIES = ("test_total_2", "test_total_3", "test_total_4")
MODULE = "conformance/fuzz_targets.py"


def run(spec: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CLERK_HARNESS_FUZZ": spec}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_every_invariant_is_a_fixture_free_hypothesis_test() -> None:
    probe = (
        "import inspect, conformance.fuzz_targets as m\n"
        "for name, f in sorted(vars(m).items()):\n"
        "    if name.startswith('test_'):\n"
        "        print(name, getattr(f, 'is_hypothesis_test', False),"
        " len(inspect.signature(f).parameters))\n"
    )
    done = run("reference:make", "-c", probe)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    expected = sorted(
        [*("test_" + inv.id.lower().replace("-", "_") for inv in INVARIANTS), *SECOND_PROPERTIES]
    )
    assert [name for name, _, _ in rows] == expected
    assert all(is_test == "True" and arity == "0" for _, is_test, arity in rows)


def test_the_targets_catch_what_the_suite_catches() -> None:
    done = run(
        "conformance.catalogue.upstream_after_fix:make",
        "-m", "pytest", "-p", "no:cacheprovider", MODULE, "--hypothesis-profile=clerk-ci", "-q",
        "-k", "session_pending or id_faithful",
    )  # fmt: skip
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-3000:]
    assert "FAILED conformance/fuzz_targets.py::test_session_pending" in done.stdout
    assert "SESSION-PENDING violated" in done.stdout


def test_without_a_sut_the_module_is_skipped() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "CLERK_HARNESS_FUZZ"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", MODULE, "-q"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert "1 skipped" in done.stdout, done.stdout[-2000:]
