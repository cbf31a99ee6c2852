"""A row's refused controls, attributed: each label (``findings.control_label``: a shape, an
instant) with how many controls it cost, and the VALID-ACCEPTED finding that names it, with
its counterexample — so an SDK that refuses v2 sessions reads "see VALID-ACCEPTED/v2: …" in
every row it left undecided, not bare ``inconclusive`` cells, and a row decided on the controls
it accepted says how many it refused. Made from the audit's cells, for every report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import INCONCLUSIVE
from ..invariants.valid import VALID_ACCEPTED, refusal_subchecks

#: What a row's refusals say when VALID-ACCEPTED was not part of the audit.
NOT_RUN = "not run in this audit"


def refusals(exercise: Mapping[str, Any], valid: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each label of ``exercise``'s refused controls: its count, the VALID-ACCEPTED sub-checks
    that would name it, and the findings among ``valid`` (the SUT's VALID-ACCEPTED cell as
    JSON; ``None``: not run) that do — id, message and counterexample."""
    found = {f.get("subcheck"): f for f in (valid or {}).get("findings") or ()}
    said = []
    for label, count in sorted((exercise.get("refused_shapes") or {}).items()):
        subs = refusal_subchecks(label)
        named = [found[sub.name] for sub in subs if sub.name in found]
        said.append(
            {
                "label": label,
                "controls": int(count),
                "subchecks": [sub.id for sub in subs],
                "findings": [
                    {
                        "id": f.get("id", ""),
                        "message": f.get("message", ""),
                        "counterexample": f.get("counterexample") or [],
                    }
                    for f in named
                ],
            }
        )
    return said


def named(refused: list[dict[str, Any]], valid_run: bool) -> str:
    """Where ``refusals`` point: ``see VALID-ACCEPTED/v2: <its message>``, each finding once;
    else what VALID-ACCEPTED said of them (``""``: no refusal)."""
    findings = {f["id"]: f for r in refused for f in r["findings"]}
    if findings:
        return "; ".join(f"see {ident}: {f['message']}" for ident, f in sorted(findings.items()))
    if not refused:
        return ""
    if not valid_run:
        return f"{VALID_ACCEPTED.id} {NOT_RUN}"
    return f"{VALID_ACCEPTED.id} names no such refusal: the refusals are this row's own"


def counted(exercise: Mapping[str, Any]) -> str:
    """How many controls were refused, by label, of how many (``""``: none)."""
    refused, controls = (
        int(exercise.get("controls_refused") or 0),
        int(exercise.get("controls") or 0),
    )
    if not refused:
        return ""
    labels = ", ".join(
        f"{label}: {n}" for label, n in sorted((exercise.get("refused_shapes") or {}).items())
    )
    return f"{refused} of {controls} controls refused ({labels})"


def annotate(cell: dict[str, Any], valid: Mapping[str, Any] | None) -> dict[str, Any]:
    """``cell`` (JSON) with its refusals attributed: ``refusals`` (each label, its count, the
    findings naming it) and ``refused`` (one line: how many were refused, decided on the rest,
    and where they are named); an inconclusive cell's ``reason`` ends with where they are named.
    VALID-ACCEPTED's own cell names its refusals as findings already: only counted."""
    exercise = cell.get("exercise") or {}
    how_many = counted(exercise)
    if not how_many:
        cell.setdefault("refusals", [])
        cell.setdefault("refused", "")
        return cell
    own = cell.get("invariant") == VALID_ACCEPTED.id
    refused = [] if own else refusals(exercise, valid)
    where = "" if own else named(refused, valid is not None)
    accepted = int(exercise.get("controls") or 0) - int(exercise.get("controls_refused") or 0)
    line = how_many
    if cell.get("status") != INCONCLUSIVE and not own:
        line += f" — {cell.get('status')} on the {accepted} accepted"
    if where:
        line += f" — {where}"
        if cell.get("status") == INCONCLUSIVE and where not in str(cell.get("reason", "")):
            cell["reason"] = f"{cell.get('reason', '')} — {where}"
    cell["refusals"], cell["refused"] = refused, line
    return cell
