"""Black-box mode end to end: the invariants survive the wire. The reference, served over real
HTTP by ``tests/served.py``, holds every row; a served catalogue entry of each family is caught
on what it declares; a service that breaks the contract is reported, with the request that did
it, and the row goes on; one that never starts is one clear line."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import BY_ID, INVARIANTS, Invariant, Target, catalogue, service
from conformance.findings import HOLDS, VIOLATED, run_row
from conformance.registry import lookup

HERE = Path(__file__).parent
PYTHON = shlex.quote(sys.executable)


def served(spec: str, script: str = "served.py") -> str:
    return f"serve={PYTHON} {shlex.quote(str(HERE / script))} {shlex.quote(spec)}"


REFERENCE = served("reference:make")


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[inv.id for inv in INVARIANTS])
def test_the_served_reference_holds_every_row(invariant: Invariant) -> None:
    target = Target.load(REFERENCE)
    assert target.methods == {"authenticate_request", "callback_subject"}
    assert not target.limits and invariant.missing(target) == []
    result = run_row(invariant.id, lambda: invariant.check(target), lookup)
    assert result.status == HOLDS, (result.findings, result.inconclusive_reason)
    assert result.exercise.accepted > 0


#: One entry per family, each on what it declares: the seed's bug (claims and cache rows), a
#: forged signature accepted (token), a token read from the query (callback), a client-sent
#: org header trusted (request).
FAMILIES = ("upstream_before_fix", "hs256_public_key", "query_token", "org_header_fallback")
CASES = [(e, row) for e in FAMILIES for row in sorted(catalogue.violated_rows(e))]


@pytest.mark.parametrize(("entry", "row"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_a_served_entry_is_caught_on_what_it_declares(entry: str, row: str) -> None:
    target = Target.load(served(catalogue.sut_spec(entry)))
    result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    declared = {d for d in catalogue.violations(entry) if d.partition("/")[0] == row}
    found = {f.id for f in result.own}
    assert result.status == VIOLATED and found, result.inconclusive_reason
    assert {d for d in declared if "/" in d} <= found, found


@pytest.mark.parametrize("mode", ["garbage", "error", "exit", "hang"])
def test_a_service_breaking_the_contract_is_totals_finding_with_the_request(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "TIMEOUT_S", 0.25)
    target = Target.load(served(mode, "misbehaving_service.py"))
    result = run_row("ID-FAITHFUL", lambda: BY_ID["ID-FAITHFUL"].check(target), lookup)
    crashes = [f for f in result.findings if f.id == "TOTAL/crash"]
    assert crashes, (result.status, result.findings)
    said = {"garbage": "not a principal", "error": "answered 500", "exit": "exited with code 7",
            "hang": "no answer within 0.25 s"}[mode]  # fmt: skip
    assert said in crashes[0].message and "the request: GET /whoami" in crashes[0].message


def test_a_service_that_never_starts_is_one_line_with_its_stderr(tmp_path: Path) -> None:
    command = f"{PYTHON} -c \"import sys; sys.stderr.write('no CLERK_JWT_KEY here'); sys.exit(3)\""
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "audit", "-n", "0", "--serve", command],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "exited with code 3" in lines[0] and "no CLERK_JWT_KEY here" in lines[0]
