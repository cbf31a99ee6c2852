"""One declaration per row: each row and its sub-checks are declared once, beside the check, and
the checks report through the handles the declaration gave — never a sub-check's name as text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conformance import INVARIANTS
from conformance.findings import Kind, SubCheck
from conformance.invariants.paths import REFUSED_SCENARIOS
from conformance.rows import CLAIMS, Row
from strategies import ATTACKS, SHAPES
from strategies.ratings import Reach, Severity
from strategies.requests import PLACES, PLAIN_PLACES, SPOOF_KINDS

INVARIANTS_DIR = Path(__file__).parents[1] / "conformance" / "invariants"
DECLARING = {"security", "robustness", "completeness"}
#: Words that name something else where the checks use them: a token's place in a request, a
#: session's shape, a spoofed field's kind, an attack, a scenario of PATH-CONSISTENT.
OTHER_VOCABULARIES = frozenset(
    {*PLACES, *PLAIN_PLACES, *SHAPES, *SPOOF_KINDS, *ATTACKS, *REFUSED_SCENARIOS}
)


def _literals_naming_subchecks(path: Path, names: set[str]) -> list[tuple[int, str]]:
    """String literals in ``path`` equal to a sub-check's name, other than the name a
    declaration (``ROW.security("name", …)``) gives."""
    tree = ast.parse(path.read_text())
    declared = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in DECLARING
        and node.args
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in names
        and id(node) not in declared
    ]


def test_no_invariant_names_a_sub_check_by_a_string_literal() -> None:
    names = {sub.name for row in INVARIANTS for sub in row.subchecks}
    found = {
        f"{path.name}:{line} {value!r}"
        for path in sorted(INVARIANTS_DIR.glob("*.py"))
        for line, value in _literals_naming_subchecks(path, names)
        if value not in OTHER_VOCABULARIES
    }
    assert not found, "report through the declared handle instead: " + ", ".join(sorted(found))


def test_the_scan_sees_a_literal_sub_check_name(tmp_path: Path) -> None:
    """The scan above can fail: a check naming ``shared-sid`` as text is caught, its
    declaration is not."""
    module = tmp_path / "check.py"
    module.write_text(
        'SHARED = ROW.security("shared-sid", USER, "t", fix="f")\n'
        'violated("SID-INDEPENDENT", "shared-sid", "message")\n'
    )
    assert _literals_naming_subchecks(module, {"shared-sid"}) == [(2, "shared-sid")]


def test_every_sub_check_is_typed_by_enums_and_has_a_fix() -> None:
    for row in INVARIANTS:
        assert isinstance(row.severity, Severity)
        for sub in row.subchecks:
            assert sub.row == row.id
            assert (type(sub.kind), type(sub.reach), type(sub.severity)) == (Kind, Reach, Severity)
            assert sub.fix and "\n" not in sub.fix, sub.id


def test_a_declaration_refuses_what_would_be_ambiguous() -> None:
    row = Row("TEST-ROW-DECLARATION", Severity.HIGH, "a row for this test", CLAIMS)
    try:
        row.security("one", Reach.USER, "a sub-check", fix="do it")
        with pytest.raises(ValueError, match="declared twice"):
            row.security("one", Reach.ANYONE, "the same name again", fix="do it")
        with pytest.raises(ValueError, match="needs a check"):
            row.seal()
        with pytest.raises(ValueError, match="declared twice"):
            Row("TEST-ROW-DECLARATION", Severity.LOW, "the same ID again", CLAIMS)
        with pytest.raises(TypeError, match="no Kind"):
            SubCheck(row.id, "x", "security", Reach.USER, "t", Severity.LOW, "f")  # type: ignore[arg-type]
    finally:
        from conformance.rows import DECLARED

        DECLARED.remove(row)  # the table is built already; keep the list as the modules left it
