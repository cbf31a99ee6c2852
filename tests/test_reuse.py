"""Reuse, proven: the built wheel, installed in a fresh virtual environment next to an outside
project (``tests/fixtures/outside_project``) with its own, deliberately flawed authenticator.

Slow (a wheel build and a ``pip install`` from the package index): marked ``slow``, run in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conformance import INVARIANTS

ROOT = Path(__file__).parent.parent
PROJECT = Path(__file__).parent / "fixtures" / "outside_project"


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=environment,
    )


@pytest.mark.slow
def test_the_wheel_serves_an_outside_project(tmp_path: Path) -> None:
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", "dist", ROOT,
                cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("clerk_session_harness-*.whl")
    venv.create(tmp_path / "venv")  # no pip of its own: this one installs into it (--python)
    python = tmp_path / "venv" / "bin" / "python"
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel,
                    cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)

    # The conformance suite fails on exactly the one flaw; claims-only, so token and request
    # invariants are not applicable.
    suite = run(python, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance",
                "--sut", "outside_auth:make", "-q", cwd=project)  # fmt: skip
    assert suite.returncode == 1, suite.stdout[-3000:]
    applicable = sum(  # to an object with only authenticate_claims
        inv.needs == ("claims",) or (inv.any_of and "authenticate_claims" in inv.needs)
        for inv in INVARIANTS
    )
    skipped = len(INVARIANTS) - applicable
    assert f"1 failed, {applicable - 1} passed, {skipped} skipped" in suite.stdout
    assert "FAILED test_conformance.py::test_invariant[SESSION-PENDING]" in suite.stdout

    # The command reports it, machine-readably.
    audit = run(tmp_path / "venv" / "bin" / "clerk-harness", "audit", "--sut",
                "outside_auth:make", "--json", "out.json", cwd=project)  # fmt: skip
    assert audit.returncode == 1, audit.stdout[-3000:] + audit.stderr
    results = json.loads((project / "out.json").read_text())["results"]
    assert [r["invariant"] for r in results if r["status"] == "VIOLATED"] == ["SESSION-PENDING"]

    # The project's own tests, built from the strategies and the state machine, pass.
    own = run(python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_outside.py",
              cwd=project)  # fmt: skip
    assert own.returncode == 0, own.stdout[-3000:]
