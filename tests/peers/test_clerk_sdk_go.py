"""docs/findings.md for ``github.com/clerk/clerk-sdk-go/v2``, served over the black-box wire
contract by ``services/clerk-sdk-go`` (``services/build`` first): each row finds exactly its
listed findings, everything else holds, PATH-CONSISTENT cannot be decided (one entry point
reads a session), and the default gate fails on exactly what the document calls flaws."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import BY_ID, Target
from conformance.findings import INCONCLUSIVE, run_row
from conformance.registry import lookup
from tests.peers.findings import COMMON, NOT_APPLICABLE, assert_findings, assert_gate

BINARY = Path(__file__).parents[2] / "services" / "clerk-sdk-go" / "bin" / "clerk-sdk-go"
CLAIM_MAPPING_ROWS = ("ID-UNAMBIGUOUS", "ID-SHAPE-INVARIANT", "ROLE-NO-ESCALATION")
#: docs/findings.md §3c: every finding, by row.
FINDINGS: dict[str, frozenset[str]] = {
    # the claim mapping's, as for every SDK so far (§2.7 to 2.9)
    **{row: COMMON[row] for row in CLAIM_MAPPING_ROWS},
    "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class"}),
    "SESSION-PENDING": frozenset({"SESSION-PENDING/pending-refused"}),
    "TOKEN-SIGNATURE": frozenset(
        {
            "TOKEN-SIGNATURE/unknown-kid",
            "TOKEN-SIGNATURE/missing-kid",
            "TOKEN-SIGNATURE/reencoded-segment",
        }
    ),
    "TOKEN-TIME": frozenset(
        {
            "TOKEN-TIME/exp-boundary",
            "TOKEN-TIME/huge-nbf",
            "TOKEN-TIME/huge-iat",
            "TOKEN-TIME/missing-exp",
        }
    ),
    "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/azp-missing", "TOKEN-AUDIENCE/iss-mismatch"}),
    "TOKEN-MALFORMED": frozenset(
        {
            "TOKEN-MALFORMED/bad-base64url",
            "TOKEN-MALFORMED/deeply-nested",
            "TOKEN-MALFORMED/non-utf8",
            "TOKEN-MALFORMED/whitespace",
        }
    ),
    "REQ-AMBIENT-ONLY": frozenset(
        {
            "REQ-AMBIENT-ONLY/bearer-scheme-case",
            "REQ-AMBIENT-ONLY/cookie-refused",
            "REQ-AMBIENT-ONLY/cookie-split",
            "REQ-AMBIENT-ONLY/scheme",
        }
    ),
    "SESSION-TOKENS-ONLY": frozenset(
        {"SESSION-TOKENS-ONLY/m2m-jwt", "SESSION-TOKENS-ONLY/oauth-jwt"}
    ),
}
HOLDS = frozenset(
    {
        "ID-FAITHFUL",
        "ID-ORG-PINNED",
        "SID-INDEPENDENT",
        "TOTAL",
        "CACHE-ISOLATION",
        "CACHE-KEY-INJECTIVE",
        "CACHE-NO-POISON",
        "CACHE-FRESH",
        "CACHE-CONCURRENT",
        "CB-NO-QUERY",
        "KEYS-ISOLATED",
        "IDENTITY-NOT-LINKED",
        "REQ-NO-SPOOF",
        "VALID-ACCEPTED",
    }
)
#: What docs/findings.md §3c calls flaws the default gate must fail on.
FLAWS = frozenset(
    {
        "SESSION-PENDING/pending-refused",
        "SESSION-TOKENS-ONLY/m2m-jwt",
        "SESSION-TOKENS-ONLY/oauth-jwt",
    }
)


@pytest.fixture(scope="module")
def target() -> Target:
    assert BINARY.is_file(), f"build it first: services/build (no {BINARY})"
    return Target.load(f"serve={BINARY}")


def test_every_invariant_is_accounted_for(target: Target) -> None:
    assert target.methods == {"authenticate_request"} and not target.limits
    seen = [*FINDINGS, *HOLDS, *NOT_APPLICABLE, "PATH-CONSISTENT"]
    assert sorted(seen) == sorted(BY_ID), "each invariant must be in exactly one group"
    assert {id_ for id_, inv in BY_ID.items() if inv.missing(target)} == NOT_APPLICABLE


@pytest.mark.parametrize("row", sorted({*FINDINGS, *HOLDS}))
def test_each_row_finds_what_the_findings_list(target: Target, row: str) -> None:
    assert_findings(target, row, FINDINGS)


def test_one_entry_point_reads_a_session_so_paths_cannot_be_compared(target: Target) -> None:
    """The middleware reads only ``Authorization: Bearer``: the cookie refuses a valid session,
    so PATH-CONSISTENT has one entry point to compare with nothing — undecided, never holds."""
    result = run_row("PATH-CONSISTENT", lambda: BY_ID["PATH-CONSISTENT"].check(target), lookup)
    assert result.status == INCONCLUSIVE and not result.findings, result.status
    assert "through 2 entry point(s)" in result.inconclusive_reason, result.inconclusive_reason
    assert "signed_out" in result.inconclusive_reason


def test_the_default_gate_fails_only_on_the_flaws() -> None:
    assert_gate(FINDINGS, FLAWS)
