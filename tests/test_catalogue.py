"""The self-test: every catalogue entry is caught by every invariant it declares violating, at
the active profile, with the ID in the report and a shrunk counterexample."""

from __future__ import annotations

import re

import pytest

from conformance import BY_ID, InvariantViolation, Target, catalogue

CASES = [(name, id_) for name in catalogue.ENTRIES for id_ in sorted(catalogue.violations(name))]


def test_every_declared_id_exists_and_is_checked() -> None:
    for name in catalogue.ENTRIES:
        for id_ in catalogue.violations(name):
            assert id_ in BY_ID, f"{name} declares unknown invariant {id_}"


def test_every_built_invariant_has_a_catalogue_entry_violating_it() -> None:
    declared = set().union(*(catalogue.violations(name) for name in catalogue.ENTRIES))
    built = set(BY_ID)
    assert built <= declared, f"invariants no catalogue entry violates: {sorted(built - declared)}"


@pytest.mark.parametrize(("entry", "invariant_id"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_catalogue_entry_is_caught(entry: str, invariant_id: str) -> None:
    target = Target.load(catalogue.sut_spec(entry))
    invariant = BY_ID[invariant_id]
    assert not invariant.missing(target)
    with pytest.raises(InvariantViolation) as caught:
        invariant.check(target)
    assert caught.value.invariant_id == invariant_id
    assert str(caught.value).startswith(f"{invariant_id} violated:")
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert re.search(r"Falsifying example|Failing test case", notes), "no shrunk counterexample"
