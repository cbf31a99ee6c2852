"""docs/findings.md for ``fastapi-clerk-auth``: each row finds exactly its listed findings,
everything else holds, the default gate fails on the vulnerability alone, and the findings are
pinned by hand as well."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi_clerk_auth")

from conformance import Target
from conformance.adapters import fastapi_clerk_auth as adapter
from reference import Request, Unauthorized
from strategies import sign
from tests.peers.findings import (
    COMMON,
    VULNERABILITIES,
    assert_findings,
    assert_gate,
    assert_masked_token_findings,
    assert_partition,
)

SPEC = f"{adapter.__name__}:make"
#: docs/findings.md §3: every finding, by row.
FINDINGS: dict[str, frozenset[str]] = {
    **COMMON,
    "TOKEN-AUDIENCE": frozenset(
        {
            "TOKEN-AUDIENCE/azp-missing",
            "TOKEN-AUDIENCE/azp-unlisted",
            "TOKEN-AUDIENCE/azp-not-a-string",
        }
    ),
    "REQ-AMBIENT-ONLY": frozenset(
        {"REQ-AMBIENT-ONLY/cookie-refused", "REQ-AMBIENT-ONLY/cookie-split"}
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
        "TOKEN-SIGNATURE",
        "CB-NO-QUERY",
        "PATH-CONSISTENT",
        "REQ-NO-SPOOF",
        "VALID-ACCEPTED",
        "KEYS-ISOLATED",
        "IDENTITY-NOT-LINKED",
    }
)
#: Most of the module's time: every login is an HTTP request through FastAPI's stack. Beyond
#: that path they judge the application glue, which the clerk_backend_api module checks too;
#: ``-m "not slow"`` leaves them out.
SLOW = frozenset(
    {"CACHE-ISOLATION", "CACHE-KEY-INJECTIVE", "CACHE-NO-POISON", "CACHE-FRESH", "CACHE-CONCURRENT"}
)


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.load(SPEC)


def test_every_invariant_is_accounted_for(target: Target) -> None:
    assert_partition(target, FINDINGS, HOLDS)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, marks=[pytest.mark.slow] if row in SLOW else [])
        for row in sorted({*FINDINGS, *HOLDS})
    ],
)
def test_each_row_finds_what_the_findings_list(target: Target, row: str) -> None:
    assert_findings(target, row, FINDINGS)


def test_the_default_gate_fails_only_on_the_vulnerability() -> None:
    assert_gate(FINDINGS, VULNERABILITIES)


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
