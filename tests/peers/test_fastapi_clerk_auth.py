"""docs/findings.md for ``fastapi-clerk-auth``, pinned by hand beside the table
``test_peers.py`` checks (``findings.PEERS``): the behaviours behind its findings, each shown
on one request."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi_clerk_auth")

from conformance import Target
from conformance.adapters import fastapi_clerk_auth as adapter
from reference import Request, Unauthorized
from strategies import sign
from tests.peers.findings import assert_masked_token_findings

SPEC = f"{adapter.__name__}:make"


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SPEC)


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
