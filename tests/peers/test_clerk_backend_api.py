"""docs/findings.md for ``clerk-backend-api``, pinned by hand beside the table
``test_peers.py`` checks (``findings.PEERS``): the behaviours behind its findings, each shown
on one request."""

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
from tests.peers.findings import assert_masked_token_findings

SPEC = f"{adapter.__name__}:make"


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SPEC)


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
    cookies wins, a lower-case scheme is not recognised, and a bare token (no scheme) is read."""
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
    bare = Request("GET", "/", (("Authorization", alice),))
    assert target.fresh().authenticate_request(bare).external_id == "user_alice"
    for scheme in ("Basic", "Token"):
        with pytest.raises(Unauthorized):
            target.fresh().authenticate_request(
                Request("GET", "/", (("Authorization", f"{scheme} {alice}"),))
            )
    with pytest.raises(InvalidClaims):  # control: the app's own checks run after the SDK's
        target.fresh().authenticate_request(
            Request("GET", "/", (("Authorization", f"Bearer {sign({'sub': 'u'}, key)}"),))
        )
