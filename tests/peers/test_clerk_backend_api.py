"""docs/findings.md for ``clerk-backend-api``: its violations are still found, everything else
still holds, and what the first counterexamples mask is pinned by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("clerk_backend_api")
pytest.importorskip("starlette")  # the request object the adapter hands the SDK

from conformance import Target
from conformance.adapters import clerk_backend_api as adapter
from reference import InvalidClaims, Principal, Request, Unauthorized
from strategies import sign
from strategies.attacks import compact_json, jws, signer_of
from strategies.tokens import with_times
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
    Finding(
        "ID-REQUIRED",
        (r"without a usable org or user: rejected: Unauthorized", r"raised AttributeError"),
    ),
    Finding("ID-UNAMBIGUOUS", (r"claims naming two users or orgs .* was accepted",)),
    Finding("ID-SHAPE-INVARIANT", (r"three shapes gave different results",)),
    Finding("ROLE-NO-ESCALATION", (r"role claims .* gave ADMIN", r"a guest role claim among")),
    Finding("SESSION-PENDING", (r"a pending session .* was accepted",)),
    Finding("CACHE-NO-POISON", (r"raised AttributeError: '\w+' object has no attribute",), "TOTAL"),
    Finding("TOKEN-SIGNATURE", (r"the '(unknown_kid|missing_kid)' attack",)),
    Finding("TOKEN-TIME", (r"the '(missing_exp|unreadable_(exp|nbf|iat))' attack",)),
    Finding("TOKEN-AUDIENCE", (r"the 'iss_mismatch' attack",)),
    Finding("TOKEN-MALFORMED", (r"the '(huge|bad_base64url|non_utf8)' attack",)),
    Finding(
        "REQ-AMBIENT-ONLY",
        (
            r"expected the cookie token to be used .*'session-token-missing'",  # 2nd Cookie field
            r"expected the bearer token to be used .*rejected: Unauthorized",  # "bearer" scheme
            r"with no usable token: accepted",  # a __session_* decoy cookie
            r"expected the cookie token to be used .* the (decoy|cookie2) token",  # decoy, last
        ),
    ),
)
#: Its own check finds the crash CACHE-NO-POISON meets only at random (``ci``'s derandomized
#: examples miss it, §4 H5 of docs/findings.md); pinned by hand below.
UNSETTLED = frozenset({"TOTAL"})
HOLDS = frozenset(
    {
        "ID-FAITHFUL",
        "ID-ORG-PINNED",
        "SID-INDEPENDENT",
        "CACHE-ISOLATION",
        "CACHE-KEY-INJECTIVE",
        "CACHE-FRESH",
        "CACHE-CONCURRENT",
        "CB-NO-QUERY",
    }
)


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SPEC)


def test_every_invariant_is_accounted_for(target: Target) -> None:
    violated = frozenset(f.invariant for f in FINDINGS)
    assert_partition(target, violated, UNSETTLED, HOLDS, NOT_APPLICABLE)


@pytest.mark.parametrize("finding", FINDINGS, ids=[f.invariant for f in FINDINGS])
def test_reported_violation_is_still_found(target: Target, finding: Finding) -> None:
    assert_violated(target, finding)


@pytest.mark.parametrize("invariant_id", sorted(HOLDS))
def test_every_other_invariant_still_holds(target: Target, invariant_id: str) -> None:
    assert_holds(target, invariant_id)


def _login(target: Target, claims: dict[str, object]) -> Principal:
    return target.fresh().authenticate_token(sign(claims, target.keys.trusted[0]))  # type: ignore[no-any-return]


def test_malformed_v2_claims_crash_the_sdk(target: Target) -> None:
    """authenticaterequest.py: ``o`` and ``fea`` are assumed to be an object and a string."""
    org = target.settings.org_id
    for claims in (
        {"sub": "user_1", "v": 2, "o": "org"},
        {"sub": "user_1", "v": 2, "fea": 5, "o": {"id": org, "per": "read", "fpm": "1"}},
    ):
        with pytest.raises(AttributeError):
            _login(target, claims)


def test_a_genuine_signature_is_accepted_whatever_the_kid(target: Target) -> None:
    """The one configured key verifies every token: an unknown or missing ``kid`` is not read."""
    key, claims = target.keys.trusted[0], {"sub": "user_1", "org_id": target.settings.org_id}
    payload = compact_json(with_times(claims))
    for header in ({"alg": "RS256", "kid": "ins_unknown"}, {"alg": "RS256"}):
        token = jws(header, payload, signer_of(key))
        assert target.fresh().authenticate_token(token).external_id == "user_1"


def test_masked_token_findings(target: Target) -> None:
    """No ``exp`` is accepted; a ``=``-padded signature is the same signature; a signed payload
    may hold UTF-8-encoded surrogates."""
    assert_masked_token_findings(target)


def test_masked_request_findings(target: Target) -> None:
    """The first cookie *starting with* ``__session`` is read, the last of two ``__session``
    cookies wins, and a lower-case scheme is not recognised."""
    org, key = target.settings.org_id, target.keys.trusted[0]
    alice, mallory = (sign({"sub": u, "org_id": org}, key) for u in ("user_alice", "user_mallory"))
    for cookies in (
        f"__session_x7Yq={mallory}; __session={alice}",
        f"__session={alice}; __session={mallory}",
    ):
        request = Request("GET", "/", (("Cookie", cookies),))
        assert target.fresh().authenticate_request(request).external_id == "user_mallory"
    with pytest.raises(Unauthorized):
        target.fresh().authenticate_request(
            Request("GET", "/", (("Authorization", f"bearer {alice}"),))
        )
    with pytest.raises(InvalidClaims):  # control: the app's own checks run after the SDK's
        target.fresh().authenticate_request(
            Request("GET", "/", (("Authorization", f"Bearer {sign({'sub': 'u'}, key)}"),))
        )
