"""The findings of ``docs/findings.md`` as data, and the checks that keep them true: each reported
violation is still found (with a counterexample the document explains), every other applicable
invariant still holds — so a change in the harness or in a package shows up here."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from conformance import BY_ID, InvariantViolation, Target
from strategies import sign
from strategies.attacks import compact_json, jws, signer_of
from strategies.tokens import with_times

#: Neither package has a browser-login callback: the callback rows are not applicable.
NOT_APPLICABLE = frozenset(
    {"CB-RELAYED-FIRST", "CB-FALLBACK-ORDER", "CB-NO-FALLBACK-ON-FAILURE", "CB-SESSION-TOKENS-ONLY"}
)


@dataclass(frozen=True)
class Finding:
    """A violated row of the matrix. ``patterns``: the counterexamples ``docs/findings.md``
    explains (regular expressions; any other is new and needs reading). ``cause``: the ID the
    violation is reported as, when another invariant's check meets it (a crash is TOTAL's)."""

    invariant: str
    patterns: tuple[str, ...]
    cause: str = ""


def assert_violated(target: Target, finding: Finding) -> None:
    """The finding's check fails, reported as its cause, with a known counterexample."""
    with pytest.raises(InvariantViolation) as caught:
        BY_ID[finding.invariant].check(target)
    message = str(caught.value)
    assert caught.value.invariant_id == (finding.cause or finding.invariant), message[:3000]
    assert any(re.search(p, message, re.DOTALL) for p in finding.patterns), (
        "a counterexample docs/findings.md does not explain:\n" + message[:3000]
    )


def assert_holds(target: Target, invariant_id: str) -> None:
    """The invariant is applicable to the target and holds."""
    invariant = BY_ID[invariant_id]
    assert invariant.missing(target) == []
    invariant.check(target)


def assert_partition(target: Target, *groups: frozenset[str]) -> None:
    """Every invariant of the registry is in exactly one group, and the not-applicable group
    (the last) is exactly what the target lacks methods for — so a new invariant, or a change in
    what an adapter provides, needs the findings updated."""
    seen = [id_ for group in groups for id_ in group]
    assert sorted(seen) == sorted(BY_ID), "each invariant must be in exactly one group"
    assert groups[-1] == {id_ for id_, inv in BY_ID.items() if inv.missing(target)}


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
