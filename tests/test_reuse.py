"""Reuse, proven: the built wheel, installed in a fresh virtual environment next to an outside
project (``tests/fixtures/outside_project``) with its own, deliberately flawed authenticator —
every path the README documents, run there exactly as printed: ``pytest --pyargs conformance
--sut outside_auth:make`` (the console script: the project directory is on no path of its own),
a bad ``--sut``, the profiles by name, a reproduce line an audit prints, through a shell, and
the HypoFuzz targets.

Slow (a wheel build and a ``pip install``): marked ``slow``, run in CI — where the wheel is the
one ``.ci/run`` built for its wheelhouse (``CLERK_HARNESS_WHEEL``): built once per run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from hypothesis import settings

from conformance import INVARIANTS
from conformance.profiles import PROFILES_ENV

ROOT = Path(__file__).parent.parent
PROJECT = Path(__file__).parent / "fixtures" / "outside_project"
#: What the user's shell would not have: the harness checkout's path, another environment, or
#: the harness's short profile names switched on.
NOT_INHERITED = ("PYTHONPATH", "VIRTUAL_ENV", PROFILES_ENV)


def run(
    *command: str | Path, cwd: Path, bin_dir: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd``; with ``bin_dir`` first on ``PATH``, as in an activated venv."""
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    if bin_dir:
        environment["PATH"] = os.pathsep.join([str(bin_dir), environment.get("PATH", "")])
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**environment, **extra},
    )


#: Set by ``.ci/run`` to the wheel it built from this checkout: this test installs that one.
WHEEL_ENV = "CLERK_HARNESS_WHEEL"


def built_wheel(tmp_path: Path) -> Path:
    """The checkout's wheel, built now."""
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", "dist", ROOT,
                cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("clerk_session_harness-*.whl")
    return wheel


def profile_line(header: subprocess.CompletedProcess[str]) -> str:
    """The profile Hypothesis's plugin says it loaded (``-v`` prints it in the header)."""
    assert header.returncode == 0, header.stdout[-2000:] + header.stderr[-2000:]
    (line,) = [ln for ln in header.stdout.splitlines() if ln.startswith("hypothesis profile ")]
    return line


@pytest.mark.slow
def test_the_wheel_serves_an_outside_project(tmp_path: Path) -> None:
    wheel = Path(os.environ.get(WHEEL_ENV) or built_wheel(tmp_path))
    venv.create(tmp_path / "venv")  # no pip of its own: this one installs into it (--python)
    bin_dir = tmp_path / "venv" / "bin"
    python = bin_dir / "python"
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel,
                    cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    pytest_ = bin_dir / "pytest"  # the console script, as the README prints it
    suite_args = ("--pyargs", "conformance", "--sut", "outside_auth:make")

    # The conformance suite fails on exactly the one flaw; claims-only, so token and request
    # invariants are not applicable.
    suite = run(pytest_, "-p", "no:cacheprovider", *suite_args, "-q", cwd=project)
    assert suite.returncode == 1, suite.stdout[-3000:] + suite.stderr[-3000:]
    applicable = sum(  # to an object with only authenticate_claims
        inv.needs == ("claims",) or (inv.any_of and "authenticate_claims" in inv.needs)
        for inv in INVARIANTS
    )
    applicable -= 1  # IDENTITY-NOT-LINKED: it keeps no user store the harness can seed
    skipped = len(INVARIANTS) - applicable
    assert f"1 failed, {applicable - 1} passed, {skipped} skipped" in suite.stdout
    assert "FAILED test_conformance.py::test_invariant[SESSION-PENDING]" in suite.stdout

    # A bad --sut is one line and pytest's usage-error exit, before any test runs.
    bad = run(pytest_, "--pyargs", "conformance", "--sut", "no_such_module:make", cwd=project)
    assert bad.returncode == pytest.ExitCode.USAGE_ERROR, bad.stdout + bad.stderr
    (line,) = bad.stderr.strip().splitlines()
    says = "ERROR: --sut 'no_such_module:make': cannot import 'no_such_module'"
    assert line.startswith(says) and not bad.stdout, bad.stdout + bad.stderr

    # The harness's profiles, by name, with no environment variable: their own settings
    # (clerk-deep here; clerk-ci below, in the reproduce line).
    header = run(pytest_, *suite_args, "--co", "-v", "--hypothesis-profile=clerk-deep",
                 cwd=project)  # fmt: skip
    expected = settings.get_profile("clerk-deep").show_changed()
    assert profile_line(header) == f"hypothesis profile 'clerk-deep' -> {expected}"
    # Never shadowing: the project's default profile, in its own run, and Hypothesis's
    # built-in ``ci``, in a run of the suite, are what Hypothesis alone loads there.
    plain = ("test_outside.py", "--co", "-v", "-p", "no:clerk_session_harness")
    alone = profile_line(run(pytest_, *plain, cwd=project))
    assert profile_line(run(pytest_, *plain[:-2], cwd=project)) == alone
    alone = profile_line(run(pytest_, *plain, "--hypothesis-profile=ci", cwd=project))
    header = run(pytest_, *suite_args, "--co", "-v", "--hypothesis-profile=ci", cwd=project)
    assert profile_line(header) == alone
    # ``deep`` is nobody's here: one line, naming the harness's; the old switch still works.
    assert PROFILES_ENV == "CLERK_HARNESS_PROFILES"
    deep = run(pytest_, *suite_args, "--hypothesis-profile=deep", cwd=project)
    assert deep.returncode == pytest.ExitCode.USAGE_ERROR and not deep.stdout, deep.stderr
    assert len(deep.stderr.strip().splitlines()) == 1 and "clerk-deep" in deep.stderr
    old = run(pytest_, *suite_args, "--co", "-v", "--hypothesis-profile=ci", cwd=project,
              CLERK_HARNESS_PROFILES="1")  # fmt: skip
    expected = settings.get_profile("clerk-ci").show_changed()
    assert profile_line(old) == f"hypothesis profile 'ci' -> {expected}"

    # The command reports it, machine-readably (on two rows: the suite above ran them all).
    audit = run(bin_dir / "clerk-harness", "audit", "--sut", "outside_auth:make", "--invariant",
                "ID-FAITHFUL", "--invariant", "SESSION-PENDING", "--json", "out.json",
                cwd=project)  # fmt: skip
    assert audit.returncode == 1, audit.stdout[-3000:] + audit.stderr
    results = json.loads((project / "out.json").read_text())["results"]
    assert [(r["invariant"], r["status"]) for r in results] == [
        ("ID-FAITHFUL", "holds"),
        ("SESSION-PENDING", "VIOLATED"),
    ]

    # A factory served over the wire contract by the installed `clerk-harness serve` (the shim
    # ships in the wheel; the project's claims-only object has no route to serve, so the
    # reference, from the wheel): decided over HTTP.
    served = run(bin_dir / "clerk-harness", "audit", "--serve",
                 "clerk-harness serve reference:make", "--invariant", "SESSION-PENDING",
                 "--json", "served.json", cwd=project, bin_dir=bin_dir)  # fmt: skip
    assert served.returncode == 0, served.stdout[-3000:] + served.stderr
    (cell,) = json.loads((project / "served.json").read_text())["results"]
    assert cell["status"] == "holds" and cell["sut"].startswith("serve=")

    # Its reproduce line, printed and kept in the JSON, reruns that finding alone, as printed:
    # through a shell, in the project directory, the environment's scripts on PATH.
    (found,) = [r for r in results if r["findings"]]
    (command,) = {found["reproduce"], *(f["reproduce"] for f in found["findings"])}
    assert command in audit.stdout and "--hypothesis-profile=clerk-ci" in command
    again = run("sh", "-c", command, cwd=project, bin_dir=bin_dir)
    assert again.returncode == 1, again.stdout[-3000:] + again.stderr
    assert "FAILED test_conformance.py::test_invariant[SESSION-PENDING]" in again.stdout
    assert re.search(r"= 1 failed, \d+ deselected in ", again.stdout), again.stdout[-2000:]
    assert "SESSION-PENDING violated" in again.stdout

    # The HypoFuzz targets (the README's `pytest --pyargs conformance.fuzz_targets`, which
    # replays what HypoFuzz saved) are built against the project's module too.
    fuzz = run(pytest_, "-p", "no:cacheprovider", "--pyargs", "conformance.fuzz_targets", "-k",
               "session_pending", "--hypothesis-profile=clerk-ci", cwd=project,
               CLERK_HARNESS_FUZZ="outside_auth:make")  # fmt: skip
    assert fuzz.returncode == 1, fuzz.stdout[-3000:] + fuzz.stderr
    assert "FAILED ::test_session_pending" in fuzz.stdout

    # The project's own tests, built from the strategies and the state machine, pass.
    own = run(python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_outside.py",
              cwd=project)  # fmt: skip
    assert own.returncode == 0, own.stdout[-3000:]
