"""``clerk-harness audit``, run as a user runs it: a subprocess, its output, files and exit code.

Each case audits one or two invariants to stay quick; the whole matrix is the same code path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.audit import ABORTED, HOLDS, VIOLATED, Audit, Cell, counterexample, matrix

AFTER_FIX = "conformance.catalogue.upstream_after_fix:make"


def audit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``clerk-harness audit`` in-process (``-n 0``) unless ``args`` choose workers: one or two
    invariants do not pay for starting xdist workers (the workers test does)."""
    workers = [] if {"-n", "--workers"} & set(args) else ["-n", "0"]
    return subprocess.run(
        [sys.executable, "-m", "conformance", "audit", *workers, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_a_violation_prints_the_matrix_the_counterexample_and_the_command(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    xml = tmp_path / "out.xml"
    done = audit(
        "--sut", AFTER_FIX, "--invariant", "TOKEN-TIME", "--invariant", "ID-REQUIRED",
        "--json", str(out), "--junit-xml", str(xml), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "[upstream_after_fix] TOKEN-TIME: VIOLATED" in done.stdout
    assert "[upstream_after_fix] ID-REQUIRED: holds" in done.stdout
    assert "TOKEN-TIME violated: the 'missing_exp' attack" in done.stdout
    assert "Traceback" not in done.stdout
    command = (
        f"CLERK_HARNESS_PROFILES=1 pytest --pyargs conformance --sut {AFTER_FIX} -k TOKEN-TIME "
        "--hypothesis-profile=ci"
    )
    assert f"reproduce: {command}" in done.stdout
    document = json.loads(out.read_text())
    cells = {(r["sut"], r["invariant"]): r for r in document["results"]}
    assert cells[(AFTER_FIX, "TOKEN-TIME")]["status"] == "VIOLATED"
    assert cells[(AFTER_FIX, "TOKEN-TIME")]["reproduce"] == command
    assert cells[(AFTER_FIX, "ID-REQUIRED")]["status"] == "holds"
    assert document["exit_code"] == 1 and len(document["invariants"]) == 24
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"


def test_the_reproduce_command_reproduces(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance",
         "--sut", AFTER_FIX, "-k", "TOKEN-TIME", "--hypothesis-profile=ci", "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
        env={**os.environ, "CLERK_HARNESS_PROFILES": "1"},
    )  # fmt: skip
    assert done.returncode == 1 and "TOKEN-TIME violated" in done.stdout


def test_several_suts_run_in_one_pytest_session(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance",
         "--sut", "reference:make", "--sut", AFTER_FIX, "-k", "SESSION-PENDING",
         "--hypothesis-profile=ci", "-q", "-rfE"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
        env={**os.environ, "CLERK_HARNESS_PROFILES": "1"},
    )  # fmt: skip
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
    assert f"FAILED test_conformance.py::test_invariant[{AFTER_FIX}-SESSION-PENDING]" in (
        done.stdout
    )


def test_fail_on_reaches_the_exit_code(tmp_path: Path) -> None:
    """TOKEN-TIME is high: below a critical floor, the violation does not fail the audit."""
    done = audit(
        "--sut", AFTER_FIX, "--invariant", "TOKEN-TIME", "--fail-on", "critical", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[upstream_after_fix] TOKEN-TIME: VIOLATED" in done.stdout


@pytest.mark.parametrize(
    ("fail_on", "code"), [("critical", 0), ("high", 1), ("medium", 1), (None, 1)]
)
def test_fail_on_counts_only_violations_at_or_above_a_severity(
    fail_on: str | None, code: int
) -> None:
    violation = Cell(AFTER_FIX, "TOKEN-TIME", VIOLATED, 0.1, cause="TOKEN-TIME")  # high
    cells = {(AFTER_FIX, "TOKEN-TIME"): violation}
    assert Audit((AFTER_FIX,), cells, self_check=False).exit_code(fail_on) == code


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("no_such_module:make", "cannot import 'no_such_module'"),
        ("json:loads", "the factory raised TypeError"),
        ("builtins:vars", "the object has none of"),
        ("reference", "expected 'module:callable'"),
    ],
)
def test_usage_and_import_errors_exit_two_with_one_line(
    tmp_path: Path, spec: str, says: str
) -> None:
    done = audit("--sut", spec, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_self_check_passes_when_every_entry_violates_what_it_declares(tmp_path: Path) -> None:
    done = audit("--invariant", "SESSION-PENDING", cwd=tmp_path)  # xdist: the next test
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Self-check: ok" in done.stdout
    assert "[upstream_after_fix] SESSION-PENDING: VIOLATED" in done.stdout
    assert "[reference:make] SESSION-PENDING: holds" in done.stdout


def test_a_correct_sut_exits_zero_under_workers_and_the_harness_profiles(tmp_path: Path) -> None:
    done = audit(
        "--sut", "reference:make", "--invariant", "SESSION-PENDING", "-n", "2",
        "--hypothesis-profile", "dev", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "[reference:make] SESSION-PENDING: holds" in done.stdout


def test_a_check_stopped_by_another_invariants_violation_counts_for_that_one() -> None:
    spec = "conformance.catalogue.trusting_parser:make"
    text = counterexample(
        "E   conformance.target.InvariantViolation: TOTAL violated: login {'o': []} raised "
        "TypeError\nE   Failing test case: run(claims=[])\nfoo.py:12: InvariantViolation"
    )
    assert text.startswith("TOTAL violated: login") and "Failing test case" in text
    cells = {
        (spec, "ID-FAITHFUL"): Cell(spec, "ID-FAITHFUL", ABORTED, 0.1, text, "pytest …", "TOTAL"),
        (spec, "TOTAL"): Cell(spec, "TOTAL", HOLDS, 0.1),
    }
    audit = Audit((spec,), cells, self_check=False)
    assert audit.violated(spec) == {"TOTAL"}
    assert audit.exit_code("high") == 1 and audit.exit_code("critical") == 0
    assert "(TOTAL)" in matrix(audit, colour=False)
