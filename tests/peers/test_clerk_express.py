"""docs/findings.md for ``@clerk/express``, served over the black-box wire contract by
``services/clerk-express`` (``npm ci`` there first): each row finds exactly its listed findings,
everything else holds, and the default gate fails on none of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance import Target
from tests.peers.findings import COMMON, assert_findings, assert_gate, assert_partition

SERVICE = Path(__file__).parents[2] / "services" / "clerk-express"
CLAIM_MAPPING_ROWS = ("ID-REQUIRED", "ID-UNAMBIGUOUS", "ID-SHAPE-INVARIANT", "ROLE-NO-ESCALATION")
SPEC = f"serve=node {SERVICE / 'server.js'}"
#: docs/findings.md §3b: every finding, by row.
FINDINGS: dict[str, frozenset[str]] = {
    # the claim mapping's, as for the Python packages (§2.7 to 2.9)
    **{row: COMMON[row] for row in CLAIM_MAPPING_ROWS},
    "TOKEN-SIGNATURE": frozenset(
        {
            "TOKEN-SIGNATURE/unknown-kid",
            "TOKEN-SIGNATURE/missing-kid",
            "TOKEN-SIGNATURE/unknown-crit",
        }
    ),
    "TOTAL": frozenset({"TOTAL/crash"}),
    "TOKEN-TIME": frozenset({"TOKEN-TIME/huge-exp", "TOKEN-TIME/huge-nbf", "TOKEN-TIME/huge-iat"}),
    "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/iss-mismatch"}),
    "TOKEN-MALFORMED": frozenset(
        {
            "TOKEN-MALFORMED/deeply-nested",
            "TOKEN-MALFORMED/bad-base64url",
            "TOKEN-MALFORMED/non-utf8",
            "TOKEN-MALFORMED/error-class",
        }
    ),
    "REQ-AMBIENT-ONLY": frozenset(
        {
            "REQ-AMBIENT-ONLY/bearer-scheme-case",
            "REQ-AMBIENT-ONLY/lower-precedence",
            "REQ-AMBIENT-ONLY/scheme",
        }
    ),
}
HOLDS = frozenset(
    {
        "ID-FAITHFUL",
        "ID-ORG-PINNED",
        "SESSION-PENDING",
        "SID-INDEPENDENT",
        "CACHE-ISOLATION",
        "CACHE-KEY-INJECTIVE",
        "CACHE-NO-POISON",
        "CACHE-FRESH",
        "CACHE-CONCURRENT",
        "CB-NO-QUERY",
        "PATH-CONSISTENT",
        "KEYS-ISOLATED",
        "IDENTITY-NOT-LINKED",
        "SESSION-TOKENS-ONLY",
        "REQ-NO-SPOOF",
        "VALID-ACCEPTED",
    }
)


@pytest.fixture(scope="module")
def target() -> Target:
    assert shutil.which("node"), "Node.js is needed: the service runs on it"
    assert (SERVICE / "node_modules").is_dir(), f"run: npm ci --prefix {SERVICE}"
    return Target.load(SPEC)


def test_every_invariant_is_accounted_for(target: Target) -> None:
    assert target.methods == {"authenticate_request"} and not target.limits
    assert_partition(target, FINDINGS, HOLDS)


@pytest.mark.parametrize("row", sorted({*FINDINGS, *HOLDS}))
def test_each_row_finds_what_the_findings_list(target: Target, row: str) -> None:
    assert_findings(target, row, FINDINGS)


def test_the_default_gate_fails_on_nothing() -> None:
    assert_gate(FINDINGS, frozenset())
