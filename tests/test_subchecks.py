"""Every sub-check can fail. An attack's sub-check is proven by the reference made lenient on
the one ``reason`` it refuses that attack with (it then accepts what it refused); every other
sub-check by a catalogue entry declaring it, which ``test_catalogue`` proves is caught."""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase

import conformance.findings as findings_module
import conformance.invariants.tokens as token_rows
from conformance import BY_ID, INVARIANTS, Target, catalogue
from conformance.audit.run import Gate
from conformance.findings import run_row
from conformance.invariants.tokens import ATTACK_SUBCHECKS
from conformance.invariants.total import crash_cause
from conformance.registry import lookup
from reference import Principal, ReferenceAuthenticator, Role, Settings, Unauthorized
from reference.tokens import b64url_encode
from strategies import ATTACK_NAMES, ATTACKS
from tests.test_attacks import REASONS
from tests.test_database_replay import profile

FAMILY_ROWS = {
    "signature": "TOKEN-SIGNATURE",
    "time": "TOKEN-TIME",
    "audience": "TOKEN-AUDIENCE",
    "malformed": "TOKEN-MALFORMED",
}


def _unverified_claims(token: str) -> Mapping[str, Any] | None:
    try:
        segment = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (IndexError, ValueError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


class Lenient(ReferenceAuthenticator):
    """The reference, accepting every token it would refuse for ``reason``: as the claims the
    token carries when they name a user, else as a fixed user."""

    reason = ""

    def authenticate_token(self, token: str) -> Principal:
        try:
            return super().authenticate_token(token)
        except Unauthorized as refused:
            if refused.reason != self.reason:
                raise
        claims = _unverified_claims(token)
        try:
            if claims is not None:
                return self.authenticate_claims(claims)
        except Exception:
            pass
        return Principal("usr_lenient", "user_lenient", self.settings.org_id, Role.GUEST, "")


def lenient_on(reason: str) -> Target:
    """A target whose factory is ``Lenient`` on ``reason``."""

    def make(settings: Settings) -> Lenient:
        sut = Lenient(settings)
        sut.reason = reason
        return sut

    base = Target.load("reference:make")
    return Target(f"lenient on {reason}", make, base.keys, base.settings, base.methods)


#: The attacks of each family the reference refuses with each reason.
BY_REASON: dict[tuple[str, str], list[str]] = {}
for _name in ATTACK_NAMES:
    BY_REASON.setdefault((FAMILY_ROWS[ATTACKS[_name].family], REASONS[_name]), []).append(_name)


@pytest.mark.parametrize(("row", "reason"), sorted(BY_REASON), ids=lambda v: str(v))
def test_each_attack_sub_check_catches_a_verifier_accepting_it(row: str, reason: str) -> None:
    """Every attack the reference refuses with ``reason`` is reported, by its own sub-check,
    against the reference made lenient on that reason (a few examples, no shrinking: every
    example runs the family's whole attack list, TOKEN-MALFORMED's mebibyte token every other
    example on average)."""
    target = lenient_on(reason)
    with profile("sub-check-probe", max_examples=10, phases=[Phase.generate]):
        result = run_row(row, lambda: BY_ID[row].check(target), lookup)
    found = {f.id for f in result.findings}
    expected = {ATTACK_SUBCHECKS[name].id for name in BY_REASON[(row, reason)]}
    assert expected <= found, found


def test_every_other_sub_check_is_declared_by_a_catalogue_entry() -> None:
    attack_subs = {ATTACK_SUBCHECKS[name].id for name in ATTACK_NAMES}
    declared = set().union(*(catalogue.violations(name) for name in catalogue.ENTRIES))
    every = {f"{inv.id}/{sub.name}" for inv in INVARIANTS for sub in inv.subchecks}
    assert every - attack_subs - declared == set()


def test_sub_checks_have_unique_names_and_known_kinds() -> None:
    for inv in INVARIANTS:
        names = [sub.name for sub in inv.subchecks]
        assert len(names) == len(set(names)), inv.id
        assert names, inv.id


def test_the_readme_lists_every_sub_check() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(): line for line in readme.splitlines() if line.count("|") == 3
    }
    for inv in INVARIANTS:
        assert all(f"`{sub.name}`" in rows.get(inv.id, "") for sub in inv.subchecks), inv.id


def test_the_exp_boundary_is_low_ungated_and_told_against_the_clock() -> None:
    """Accepting a token at exactly ``exp + leeway`` (go-jose's comparison) is
    TOKEN-TIME/exp-boundary alone — low, below the default gate — not ``expired``, and its story
    gives the token's times against the clock (``exp = now - N s``), not unix seconds alone."""
    target = Target.load(catalogue.sut_spec("inclusive_exp"))
    result = run_row("TOKEN-TIME", lambda: BY_ID["TOKEN-TIME"].check(target), lookup)
    assert [f.id for f in result.own] == ["TOKEN-TIME/exp-boundary"], [f.id for f in result.own]
    (found,) = result.own
    assert found.severity == "low" and not Gate().fails(found)
    assert re.search(r"exp = now - \d+ s", found.message), found.message


class _AlwaysCrashes(ReferenceAuthenticator):
    """Crashes on every login, profile claims or not."""

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        raise KeyError("org")


def test_a_crash_is_profile_claims_only_when_the_profile_claims_cause_it() -> None:
    base = Target.load("reference:make")
    always = Target("always", _AlwaysCrashes, base.keys, base.settings, base.methods)
    lower_email = Target.load(catalogue.sut_spec("lower_email"))
    claims = {"sub": "user_1", "org_id": base.settings.org_id, "email": 5}
    assert crash_cause(lower_email, claims).name == "profile-claims"
    assert crash_cause(always, claims).name == "crash"
    trusting = Target.load(catalogue.sut_spec("trusting_parser"))  # crashes on a string `o`
    assert crash_cause(trusting, {**claims, "o": "org"}).name == "crash"
    assert crash_cause(lower_email, ["not", "an", "object"]).name == "crash"


class SkipsOneSpace(ReferenceAuthenticator):
    """The reference behind jjwt's leniency (docs/findings.md §3g): a no-break space where the
    signature starts is skipped, and nothing else."""

    def authenticate_token(self, token: str) -> Principal:
        at = token.rfind(".") + 1
        if token[at : at + 1] == "\u00a0":
            token = token[:at] + token[at + 1 :]
        return super().authenticate_token(token)


def test_one_whitespace_in_one_place_is_caught_whatever_the_draws() -> None:
    """One of the twenty tokens ``whitespace`` may draw is accepted: TOKEN-MALFORMED's probe
    sends each once before any example, so the probe finds it (a drawn one hit it in some runs
    and missed it in others)."""
    base = Target.load("reference:make")
    target = Target("skips one space", SkipsOneSpace, base.keys, base.settings, base.methods)
    with profile("one-example", max_examples=1, phases=[Phase.generate]):
        result = run_row("TOKEN-MALFORMED", lambda: BY_ID["TOKEN-MALFORMED"].check(target), lookup)
    (found,) = result.own
    assert found.id == "TOKEN-MALFORMED/whitespace", result.findings
    assert found.message.startswith("a valid session's token with '\\xa0'"), found.message


@pytest.mark.quick
def test_a_deeply_nested_token_is_described_without_parsing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deep-JSON attack nests past the interpreter's recursion limit: the harness's own
    readers (a story's decoded payload and times, a refused control's shape) never parse it —
    ``json.loads`` would recurse to the limit, and a finalizer the garbage collector ran
    meanwhile (a served instance given back, a socket) would raise an unraisable
    RecursionError, as one did in a peer's test."""
    depth = sys.getrecursionlimit() + 200
    payload = b'{"sub":"user_1","deep":' + b"[" * depth + b"1" + b"]" * depth + b"}"
    token = ".".join([b64url_encode(b'{"alg":"RS256"}'), b64url_encode(payload), "c2ln"])

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("a deeply nested payload was parsed")

    monkeypatch.setattr(token_rows.json, "loads", refused)
    monkeypatch.setattr(findings_module, "parse_json_object", refused)
    assert token_rows.relative_times(token) == ""
    assert token_rows._decoded(token.split(".")[1], 80).startswith("'eyJ")
    assert findings_module.token_shape(token) == "unreadable"
