"""The self-test: every catalogue entry is caught by every row and sub-check it declares
violating, at the active profile, each finding with a shrunk counterexample; an entry that
refuses everything is never said to hold; and a correct variant is decided on every row."""

from __future__ import annotations

import pytest

from conformance import BY_ID, INVARIANTS, Target, catalogue
from conformance.findings import INCONCLUSIVE, VIOLATED, run_row
from conformance.registry import lookup

#: Finding lists are compared, not counterexamples: no shrinking (``conftest.unshrunk``).
pytestmark = pytest.mark.usefixtures("unshrunk")

CASES = [(name, id_) for name in catalogue.ENTRIES for id_ in sorted(catalogue.violated_rows(name))]


def test_every_declared_id_exists_and_is_checked() -> None:
    for name in catalogue.ENTRIES:
        for declared in catalogue.violations(name):
            row, _, sub = declared.partition("/")
            assert row in BY_ID, f"{name} declares unknown invariant {row}"
            if sub:
                assert lookup(row, sub).name == sub


def test_every_built_invariant_has_a_catalogue_entry_violating_it() -> None:
    declared = set().union(*(catalogue.violated_rows(name) for name in catalogue.ENTRIES))
    built = set(BY_ID)
    assert built <= declared, f"invariants no catalogue entry violates: {sorted(built - declared)}"


@pytest.mark.parametrize(("entry", "invariant_id"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_catalogue_entry_is_caught(entry: str, invariant_id: str) -> None:
    target = Target.load(catalogue.sut_spec(entry))
    invariant = BY_ID[invariant_id]
    assert not invariant.missing(target)
    result = run_row(invariant_id, lambda: invariant.check(target), lookup)
    found = [f for f in result.findings if f.row == invariant_id]
    assert result.status == VIOLATED and found, result.inconclusive_reason
    names = {f.id for f in found}
    declared = {d for d in catalogue.violations(entry) if d.startswith(f"{invariant_id}/")}
    assert declared <= names, f"missed {sorted(declared - names)}; found {sorted(names)}"
    for finding in found:
        # A probe (the crowd, a role or shape tried once) is not drawn: its counterexample is
        # its table — the identities that met, the claims presented.
        shown = finding.falsifying or finding.counterexample
        assert finding.message and shown, f"{finding.id}: no counterexample"


@pytest.mark.parametrize("invariant", INVARIANTS, ids=[i.id for i in INVARIANTS])
def test_an_entry_refusing_everything_never_holds(invariant: object) -> None:
    target = Target.load(catalogue.sut_spec("deny_all"))
    row = BY_ID[str(getattr(invariant, "id", ""))]
    result = run_row(row.id, lambda: row.check(target), lookup)
    assert result.status in (INCONCLUSIVE, VIOLATED), result
    if result.status == INCONCLUSIVE:
        assert "controls refused" in result.inconclusive_reason
        assert "this implementation refuses everyone" in result.inconclusive_reason
