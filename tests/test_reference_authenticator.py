"""Unit tests of ``ReferenceAuthenticator`` (``reference.authenticator``): the org pin, what it
writes to and reads from its cache, the JWKS endpoint it re-reads, tokens through claims."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from reference import InvalidClaims, Role, Unauthorized
from tests.reference_helpers import (
    JWKS,
    KID,
    ORG,
    T0,
    auth,
    claims,
    reason_of,
    rejection,
    sign,
    token_for,
)

# ---------------------------------------------------------------------------------- org pin


@pytest.mark.parametrize(
    "org", ["org_other", ORG.upper(), f" {ORG}", f"{ORG} ", f"{ORG}\x00", "None", ORG[:-1]]
)
def test_another_org_is_org_mismatch(org: str) -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(org_id=org)))
    assert got == (InvalidClaims, "org_mismatch")


def test_a_v2_token_for_another_org_is_org_mismatch() -> None:
    v2 = {"sub": "user_1", "v": 2, "o": {"id": "org_other", "rol": "admin"}}
    assert reason_of(lambda: auth().authenticate_claims(v2)) == (InvalidClaims, "org_mismatch")


# ---------------------------------------------------- claims → principal, through the cache


def test_sid_never_changes_the_user() -> None:
    a = auth()
    ids = {a.authenticate_claims(claims(sid=sid)).user_id for sid in (None, "sess_1", "sess_2")}
    assert len(ids) == 1


def test_role_comes_from_the_current_token_not_the_cache() -> None:
    a = auth()
    assert a.authenticate_claims(claims(org_role="org:admin")).role is Role.ADMIN
    assert a.authenticate_claims(claims(org_role="org:guest")).role is Role.GUEST
    assert a.authenticate_claims(claims()).role is Role.GUEST


def test_authenticator_cache_entry_expires_but_the_user_stays_the_same() -> None:
    with freeze_time(T0) as clock:
        a = auth(cache_ttl_s=300.0)
        first = a.authenticate_claims(claims())
        clock.tick(299)
        assert a.cache.get((ORG, "user_1")) is not None
        clock.move_to(T0 + timedelta(seconds=300))
        assert a.cache.get((ORG, "user_1")) is None
        again = a.authenticate_claims(claims())
        assert again.user_id == first.user_id
        assert a.cache.get((ORG, "user_1")) is not None


def test_the_cache_ttl_comes_from_settings() -> None:
    with freeze_time(T0) as clock:
        a = auth(cache_ttl_s=10.0)
        a.authenticate_claims(claims())
        clock.tick(9.5)
        assert a.cache.get((ORG, "user_1")) is not None
        clock.tick(0.5)
        assert a.cache.get((ORG, "user_1")) is None


@pytest.mark.parametrize(
    "bad",
    [
        claims(org_id="org_other"),
        claims(sts="pending"),
        claims(user_id="user_2"),
        claims(org_role="org:admin", role="guest"),
        claims(sid=123),
    ],
)
def test_a_rejected_login_writes_nothing(bad: dict[str, Any]) -> None:
    a = auth()
    rejection(lambda: a.authenticate_claims(bad))
    assert a.cache.get((ORG, "user_1")) is None
    assert a.cache.get(("org_other", "user_1")) is None
    assert a.users.get_or_create((ORG, "user_1")).user_id == "usr_000001"


def test_a_foreign_org_login_is_rejected_whatever_is_cached() -> None:
    a = auth()
    a.authenticate_claims(claims(sub="user_1"))
    assert reason_of(lambda: a.authenticate_claims(claims(org_id="org_other"))) == (
        InvalidClaims,
        "org_mismatch",
    )


# -------------------------------------------------------------------------- keys and tokens


def test_a_jwks_endpoint_is_read_again_once_its_ttl_has_passed() -> None:
    endpoint = {"jwks": JWKS}
    with freeze_time(T0) as clock:
        a = auth(jwks={"keys": []}, jwks_source=lambda: endpoint["jwks"], jwks_ttl_s=60.0)
        assert a.keys.get(KID) is not None  # read from the endpoint when built
        endpoint["jwks"] = {"keys": []}
        clock.tick(59.9)
        assert a.keys.get(KID) is not None
        clock.tick(0.1)
        assert a.keys.get(KID) is None


def test_claims_reasons_surface_through_tokens() -> None:
    assert reason_of(lambda: auth().authenticate_token(sign({"org_id": ORG}))) == (
        InvalidClaims,
        "missing_user",
    )
    assert reason_of(lambda: auth().authenticate_token(token_for("user_1", sts="pending"))) == (
        Unauthorized,
        "pending_session",
    )
