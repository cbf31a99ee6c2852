"""One command, one verdict: the conformance suite gives the same results under ``-n 0``, ``-n 1``
and ``-n 2``, in any test order, and through ``clerk-harness audit``.

Hypothesis draws some values from the constants of the local modules loaded so far. A SUT module
was first imported by its SUT's first test (in an xdist worker: only if that worker ran one), and
``clerk-harness audit -n 0`` ran the tests in a process that had also loaded its SUTs and its own
modules up front — so the same command drew other examples and reached other findings
(``ROLE-NO-ESCALATION/clerk-guest`` against ``upstream_after_fix`` under ``audit -n 0``, not under
``-n 2`` or ``pytest``). The plugin now imports every ``--sut`` module and every harness module
before the first test, in every process (``conformance.plugin.preload``).

Each run checks four SUTs in one session — three catalogue entries and an independent
implementation keyed by ``f"{user}:{sid}"`` (``tests/fixtures/determinism_suts.py``, copied out
of ``tests/``, whose files Hypothesis never mines for constants, so that it counts as a local
module of a project, as a user's SUT does) — on three invariants. Every run must agree on each
test's outcome, its findings and what it exercised (SUT calls, acceptances, controls): the
examples themselves, not only the verdicts they led to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

SUT_MODULE = Path(__file__).parent / "fixtures" / "determinism_suts.py"
SUTS = (
    "conformance.catalogue.separator_key:make",
    "conformance.catalogue.casefold_key:make",
    "conformance.catalogue.upstream_after_fix:make",
    "determinism_suts:make",
)
#: Rows whose examples differed between the runs before the fix — and ROLE-NO-ESCALATION's
#: findings against ``upstream_after_fix`` — cheap enough to run five times.
INVARIANTS = ("ROLE-NO-ESCALATION", "ID-SHAPE-INVARIANT", "SID-INDEPENDENT")
#: Exercise fields that depend only on the examples (``refused_control`` shows a token, signed
#: with the process's own keys).
COUNTS = ("calls", "accepted", "controls", "controls_refused")

#: A test's verdict: outcome (failed, passed, skipped), row status, finding ids, exercise counts.
Verdict = tuple[str, str, tuple[str, ...], tuple[Any, ...]]


def run(tmp_path: Path, *command: str) -> None:
    """Run ``python -m <command>`` in ``tmp_path``, the SUT module's copy on the path."""
    suts = tmp_path / "suts"
    if not suts.exists():
        suts.mkdir()
        shutil.copy(SUT_MODULE, suts)
    path = os.pathsep.join(p for p in (str(suts), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]


def pytest_run(tmp_path: Path, name: str, suts: tuple[str, ...], *args: str) -> dict[str, Verdict]:
    """``pytest --pyargs conformance`` against ``suts`` under the ``clerk-ci`` profile: each test's
    verdict, by test id."""
    xml = tmp_path / f"{name}.xml"
    run(
        tmp_path,
        *("pytest", "-p", "no:cacheprovider", "--pyargs", "conformance"),
        *(word for spec in suts for word in ("--sut", spec)),
        *("-k", " or ".join(INVARIANTS), "--hypothesis-profile=clerk-ci", "-q"),
        f"--junit-xml={xml}",
        *args,
    )
    found: dict[str, Verdict] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        outcome = (
            "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else ""
        )
        props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        row = json.loads(props["row"]) if props.get("row") else {}
        found[str(case.get("name"))] = verdict(outcome or "passed", row)
    return found


def audit_run(tmp_path: Path) -> dict[str, Verdict]:
    """``clerk-harness audit -n 0`` (in-process) against ``SUTS``: each cell's verdict, by the id
    of the test that decided it."""
    out = tmp_path / "audit.json"
    run(
        tmp_path,
        *("conformance", "audit", "-n", "0", "--json", str(out)),
        *(word for spec in SUTS for word in ("--sut", spec)),
        *(word for invariant in INVARIANTS for word in ("--invariant", invariant)),
    )
    found: dict[str, Verdict] = {}
    for cell in json.loads(out.read_text())["results"]:
        status = cell["status"]
        outcome = {"holds": "passed", "n/a": "skipped"}.get(status, "failed")
        found[f"test_invariant[{cell['sut']}-{cell['invariant']}]"] = verdict(outcome, cell)
    return found


def verdict(outcome: str, row: dict[str, Any]) -> Verdict:
    exercise = row.get("exercise") or {}
    return (
        outcome,
        str(row.get("status", "")),
        tuple(sorted(str(finding.get("id")) for finding in row.get("findings", ()))),
        tuple(exercise.get(count) for count in COUNTS),
    )


def failing(results: dict[str, Verdict]) -> set[str]:
    return {test for test, (outcome, *_) in results.items() if outcome == "failed"}


@pytest.mark.slow
def test_verdicts_do_not_depend_on_workers_order_or_the_command(tmp_path: Path) -> None:
    runs = {
        "pytest -n 0": pytest_run(tmp_path, "n0", SUTS, "-n", "0"),
        "pytest -n 0, SUTs reversed": pytest_run(tmp_path, "n0r", SUTS[::-1], "-n", "0"),
        "pytest -n 1": pytest_run(tmp_path, "n1", SUTS, "-n", "1"),
        "pytest -n 2": pytest_run(tmp_path, "n2", SUTS, "-n", "2"),
        "clerk-harness audit -n 0": audit_run(tmp_path),
    }
    (first, baseline), *others = runs.items()
    assert len(baseline) == len(SUTS) * len(INVARIANTS), sorted(baseline)
    assert (
        "test_invariant[conformance.catalogue.upstream_after_fix:make-ROLE-NO-ESCALATION]"
        in failing(baseline)
    )
    other_failures = {name: failing(results) for name, results in others}
    assert all(found == failing(baseline) for found in other_failures.values()), (
        first,
        failing(baseline),
        other_failures,
    )
    differ = {
        name: {
            test: (baseline[test], results.get(test))
            for test in baseline
            if results.get(test) != baseline[test]
        }
        for name, results in others
        if results != baseline
    }
    assert not differ, (first, differ)
