"""The findings of ``docs/findings.md`` as data, and the checks that keep them true: each row
finds exactly the findings the document lists for it, every other applicable row holds, and the
default gate fails on exactly what it calls vulnerabilities — so a change in the harness or in a
package shows up here."""

from __future__ import annotations

from collections.abc import Mapping

from conformance import BY_ID, Target
from conformance.audit import Gate
from conformance.findings import HOLDS, VIOLATED, Finding, run_row
from conformance.registry import lookup
from strategies import sign
from strategies.attacks import compact_json, jws, signer_of
from strategies.tokens import with_times

#: Neither package has a browser-login callback: the callback rows are not applicable.
NOT_APPLICABLE = frozenset(
    {"CB-RELAYED-FIRST", "CB-FALLBACK-ORDER", "CB-NO-FALLBACK-ON-FAILURE", "CB-SESSION-TOKENS-ONLY"}
)


#: The findings both packages share (docs/findings.md §2.1, 2.5, 2.7 to 2.10, 2.12, 3.4, 3.5):
#: PyJWT's behaviour under both, and the application's claim mapping around both (``_app.py``).
COMMON: dict[str, frozenset[str]] = {
    "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class"}),
    "ID-UNAMBIGUOUS": frozenset({"ID-UNAMBIGUOUS/two-users", "ID-UNAMBIGUOUS/two-orgs"}),
    "ID-SHAPE-INVARIANT": frozenset({"ID-SHAPE-INVARIANT/lower-role"}),
    "ROLE-NO-ESCALATION": frozenset(
        {"ROLE-NO-ESCALATION/admin-only-if-all", "ROLE-NO-ESCALATION/guest-caps"}
    ),
    "SESSION-PENDING": frozenset({"SESSION-PENDING/pending-refused"}),
    "TOKEN-TIME": frozenset(
        {
            "TOKEN-TIME/missing-exp",
            "TOKEN-TIME/unreadable-exp",
            "TOKEN-TIME/unreadable-nbf",
            "TOKEN-TIME/unreadable-iat",
        }
    ),
    "TOKEN-MALFORMED": frozenset(
        {"TOKEN-MALFORMED/huge", "TOKEN-MALFORMED/bad-base64url", "TOKEN-MALFORMED/non-utf8"}
    ),
    "SESSION-TOKENS-ONLY": frozenset(
        {"SESSION-TOKENS-ONLY/m2m-jwt", "SESSION-TOKENS-ONLY/oauth-jwt"}
    ),
}
#: What docs/findings.md calls a vulnerability in either package: all the default gate may fail on.
VULNERABILITIES = frozenset(
    {
        "SESSION-PENDING/pending-refused",
        "SESSION-TOKENS-ONLY/m2m-jwt",
        "SESSION-TOKENS-ONLY/oauth-jwt",
    }
)


def row_findings(target: Target, row: str) -> tuple[str, set[str], set[str], str]:
    """Run ``row`` as the suite does: its status, its own finding IDs, the IDs of other rows'
    findings met while checking it (a crash is TOTAL's), and why it is inconclusive."""
    invariant = BY_ID[row]
    assert invariant.missing(target) == []
    result = run_row(row, lambda: invariant.check(target), lookup)
    own = {f.id for f in result.own}
    met = {f.id for f in result.findings} - own
    return result.status, own, met, result.inconclusive_reason


def assert_findings(target: Target, row: str, expected: Mapping[str, frozenset[str]]) -> None:
    """The row finds exactly what ``docs/findings.md`` lists for it — every finding, not the
    first: a new one fails until it is read and explained there; one that went missing too —
    and it is decided (never inconclusive); what it meets of other rows is listed as theirs."""
    status, own, met, reason = row_findings(target, row)
    assert own == set(expected.get(row, ())), f"{row}: found {sorted(own)}"
    assert status == (VIOLATED if own else HOLDS), f"{row}: {status} — {reason}"
    listed = set().union(*expected.values())
    assert met <= listed, f"{row} met findings docs/findings.md does not list: {met - listed}"


def assert_gate(expected: Mapping[str, frozenset[str]], vulnerabilities: frozenset[str]) -> None:
    """The default gate (``clerk-harness audit`` with no ``--fail-on``) fails on exactly the
    findings ``docs/findings.md`` calls vulnerabilities."""
    gate = Gate()
    gated = {found for ids in expected.values() for found in ids if gate.fails(_declared(found))}
    assert gated == vulnerabilities, sorted(gated)


def _declared(finding_id: str) -> Finding:
    row, _, sub = finding_id.partition("/")
    declared = lookup(row, sub)
    return Finding(row, sub, declared.kind, declared.reach, declared.severity, "", "", None, (),
                   "", "", row)  # fmt: skip


def assert_partition(
    target: Target, expected: Mapping[str, frozenset[str]], holds: frozenset[str]
) -> None:
    """Every invariant of the registry is violated, holds or is not applicable, and the
    not-applicable ones are exactly what the target lacks methods for — so a new invariant, or
    a change in what an adapter provides, needs the findings updated."""
    seen = [*expected, *holds, *NOT_APPLICABLE]
    assert sorted(seen) == sorted(BY_ID), "each invariant must be in exactly one group"
    assert {id_ for id_, inv in BY_ID.items() if inv.missing(target)} == NOT_APPLICABLE


def assert_masked_token_findings(target: Target) -> None:
    """The TOKEN-* findings the first counterexample hides, for a PyJWT-based verifier: no
    ``exp`` is accepted; a ``=``-padded signature is the same signature; a signed payload may
    hold UTF-8-encoded surrogates."""
    org, key = target.settings.org_id, target.keys.trusted[0]
    no_exp = sign({"sub": "user_1", "org_id": org, "iat": 1, "nbf": 1}, key, add_times=False)
    assert target.fresh().authenticate_token(no_exp).external_id == "user_1"
    padded = sign({"sub": "user_1", "org_id": org}, key) + "=="
    assert target.fresh().authenticate_token(padded).external_id == "user_1"
    payload = (
        compact_json(with_times({"sub": "user_1", "org_id": org}))[:-1] + b',"n":"\xed\xa0\x80"}'
    )
    surrogate = jws({"alg": "RS256", "kid": key.kid}, payload, signer_of(key))
    assert target.fresh().authenticate_token(surrogate).external_id == "user_1"
