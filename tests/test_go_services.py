"""The seed's code in its own language: ``services/go-seed``'s Go renditions of the catalogue's
``upstream_before_fix``, ``upstream_after_fix`` and ``shared_current_user``, served over the
black-box wire contract (``services/build`` first), are caught on exactly the rows — and with
exactly the sub-checks — of their Python twins; the shared "current user" is caught by
CACHE-CONCURRENT with goroutines racing on real cores."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import BY_ID, INVARIANTS, Target, catalogue
from tests.peers.findings import row_findings

#: Finding lists are compared, not counterexamples: no shrinking (``conftest.unshrunk``).
pytestmark = pytest.mark.usefixtures("unshrunk")
BIN = Path(__file__).parents[1] / "services" / "go-seed" / "bin"
#: Each Go service and its Python twin in the catalogue.
TWINS = {"seed-go-before": "upstream_before_fix", "seed-go-after": "upstream_after_fix"}


@pytest.fixture(scope="module")
def served() -> dict[str, Target]:
    for name in (*TWINS, "go-shared-user"):
        assert (BIN / name).is_file(), f"build it first: services/build (no {BIN / name})"
    return {name: Target.load(f"serve={BIN / name}") for name in (*TWINS, "go-shared-user")}


@pytest.fixture(scope="module")
def twins() -> dict[str, Target]:
    return {name: Target.load(catalogue.sut_spec(twin)) for name, twin in TWINS.items()}


@pytest.mark.parametrize("row", [inv.id for inv in INVARIANTS])
@pytest.mark.parametrize("service", sorted(TWINS))
def test_the_go_seed_is_caught_as_its_python_twin(
    served: dict[str, Target], twins: dict[str, Target], service: str, row: str
) -> None:
    go, python = served[service], twins[service]
    if BY_ID[row].missing(go):  # the callback rows need /callback, which both serve
        pytest.fail(f"{service} lacks what {row} needs: {BY_ID[row].missing(go)}")
    if BY_ID[row].missing(python):
        pytest.skip(f"the twin lacks what {row} needs")
    got, want = row_findings(go, row), row_findings(python, row)
    assert got[:2] == want[:2], f"{service} {row}: {got[:2]}; its twin: {want[:2]}"


@pytest.mark.slow
def test_the_shared_current_user_races_on_real_cores(served: dict[str, Target]) -> None:
    status, own, _, _ = row_findings(served["go-shared-user"], "CACHE-CONCURRENT")
    assert status == "VIOLATED" and own == set(catalogue.violations("shared_current_user"))
