"""Black-box mode adds nothing and hides nothing: ``clerk-backend-api``'s adapter served over
the wire contract by ``tests/served.py`` makes, row by row, exactly the findings it makes
in-process (``test_clerk_backend_api``'s list, docs/findings.md §2)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("clerk_backend_api")
pytest.importorskip("starlette")

from conformance import Target
from tests.peers.findings import assert_findings, assert_partition
from tests.peers.test_clerk_backend_api import FINDINGS, HOLDS, SPEC

SHIM = Path(__file__).parents[1] / "served.py"
SERVED = f"serve={sys.executable} {SHIM} {SPEC}"


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SERVED)


def test_the_served_adapter_has_the_same_rows(target: Target) -> None:
    assert STARTS_PROCESSES <= HOLDS
    assert target.methods == {"authenticate_request"} and not target.limits
    assert_partition(target, FINDINGS, HOLDS)


#: Rows that hold for the package in-process, each of whose examples starts service processes
#: (a seeded user store per example, a crowd of racing first logins): over the wire they are
#: the served reference's to hold (tests/test_served.py), in-process the package's — running
#: them here too cost 100 s of the suite's time and checked nothing those two do not.
STARTS_PROCESSES = frozenset({"IDENTITY-NOT-LINKED", "CACHE-CONCURRENT"})


@pytest.mark.parametrize("row", sorted({*FINDINGS, *HOLDS} - STARTS_PROCESSES))
def test_each_row_finds_what_it_finds_in_process(target: Target, row: str) -> None:
    assert_findings(target, row, FINDINGS)
