"""docs/findings.md for ``fastapi-clerk-auth``: its violations are still found, everything else
still holds, and what the first counterexamples mask is pinned by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi_clerk_auth")

from conformance import Target
from conformance.adapters import fastapi_clerk_auth as adapter
from reference import Request, Unauthorized
from strategies import sign
from tests.peers.findings import (
    NOT_APPLICABLE,
    Finding,
    assert_holds,
    assert_masked_token_findings,
    assert_partition,
    assert_violated,
)

SPEC = f"{adapter.__name__}:make"
FINDINGS = (
    Finding("ID-REQUIRED", (r"without a usable org or user: rejected: Unauthorized",)),
    Finding("ID-UNAMBIGUOUS", (r"claims naming two users or orgs .* was accepted",)),
    Finding("ID-SHAPE-INVARIANT", (r"three shapes gave different results",)),
    Finding("ROLE-NO-ESCALATION", (r"role claims .* gave ADMIN", r"a guest role claim among")),
    Finding("SESSION-PENDING", (r"a pending session .* was accepted",)),
    Finding("TOKEN-TIME", (r"the '(missing_exp|unreadable_(exp|nbf|iat))' attack",)),
    Finding("TOKEN-AUDIENCE", (r"the 'azp_(missing|unlisted|not_a_string)' attack",)),
    Finding("TOKEN-MALFORMED", (r"the '(huge|bad_base64url|non_utf8)' attack",)),
    Finding("REQ-AMBIENT-ONLY", (r"expected the cookie token to be used .*'http_403'",)),
)
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
        "TOKEN-SIGNATURE",
        "CB-NO-QUERY",
    }
)
#: Most of the module's time (~45 s of ~51 s on two shared cores): every login is an HTTP request
#: through FastAPI's stack. Beyond that path they judge the application glue, which the
#: clerk_backend_api module checks too; ``-m "not slow"`` leaves them out.
SLOW = frozenset(
    {"CACHE-ISOLATION", "CACHE-KEY-INJECTIVE", "CACHE-NO-POISON", "CACHE-FRESH", "CACHE-CONCURRENT"}
)


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SPEC)


def test_every_invariant_is_accounted_for(target: Target) -> None:
    violated = frozenset(f.invariant for f in FINDINGS)
    assert_partition(target, violated, HOLDS, NOT_APPLICABLE)


@pytest.mark.parametrize("finding", FINDINGS, ids=[f.invariant for f in FINDINGS])
def test_reported_violation_is_still_found(target: Target, finding: Finding) -> None:
    assert_violated(target, finding)


@pytest.mark.parametrize(
    "invariant_id",
    [pytest.param(id_, marks=[pytest.mark.slow] if id_ in SLOW else []) for id_ in sorted(HOLDS)],
)
def test_every_other_invariant_still_holds(target: Target, invariant_id: str) -> None:
    assert_holds(target, invariant_id)


def test_masked_token_findings(target: Target) -> None:
    """No ``exp`` is accepted; a ``=``-padded signature is the same signature; a signed payload
    may hold UTF-8-encoded surrogates."""
    assert_masked_token_findings(target)


def test_only_the_authorization_header_is_read(target: Target) -> None:
    """A ``__session`` cookie alone is refused; a lower-case scheme is fine; no azp check."""
    org, key = target.settings.org_id, target.keys.trusted[0]
    token = sign({"sub": "user_1", "org_id": org}, key)
    with pytest.raises(Unauthorized):
        target.fresh().authenticate_request(
            Request("GET", "/", (("Cookie", f"__session={token}"),))
        )
    lower = Request("GET", "/", (("Authorization", f"bearer {token}"),))
    assert target.fresh().authenticate_request(lower).external_id == "user_1"
    elsewhere = sign({"sub": "user_1", "org_id": org, "azp": "https://evil.example"}, key)
    guarded = target.fresh(authorized_parties=("https://app.example.com",))
    assert guarded.authenticate_token(elsewhere).external_id == "user_1"
