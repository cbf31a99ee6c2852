"""Unit tests of ``reference.claims``: every ``InvalidClaims`` reason claim resolution gives,
the session status, and the identity each Clerk claim shape resolves to."""

from __future__ import annotations

from typing import Any

import pytest

from reference import InvalidClaims, Role, Unauthorized, resolve_identity
from tests.reference_helpers import ORG, auth, claims, reason_of


@pytest.mark.parametrize("bad", [["sub", "user_1"], "sub=user_1", None, 42, ("a", "b")])
def test_non_mapping_claims_are_malformed_claims(bad: Any) -> None:
    assert reason_of(lambda: auth().authenticate_claims(bad)) == (InvalidClaims, "malformed_claims")


@pytest.mark.parametrize("o", ["org_trusted", ["org_trusted"], 7, True, ""])
def test_o_that_is_not_an_object_is_malformed_o(o: Any) -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(org_id=None, o=o)))
    assert got == (InvalidClaims, "malformed_o")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("sub", 123),
        ("sub", ""),
        ("sub", True),
        ("sub", ["user_1"]),
        ("user_id", 0),
        ("user_id", ""),
        ("user_id", {"id": "user_1"}),
        ("org_id", ""),
        ("org_id", 1.5),
        ("org_id", [ORG]),
        ("role", 5),
        ("role", ""),
        ("org_role", False),
        ("org_role", ""),
        ("sid", 123),
        ("sid", ""),
        ("sid", ["sess_1"]),
        ("sts", 1),
        ("sts", ""),
    ],
)
def test_malformed_top_level_claim_reason_names_the_claim(name: str, value: Any) -> None:
    got = reason_of(lambda: auth().authenticate_claims({**claims(), name: value}))
    assert got == (InvalidClaims, f"malformed_{name}")


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [("id", 99, "malformed_id"), ("id", "", "malformed_id"), ("rol", [], "malformed_rol")],
)
def test_malformed_nested_claim_reason_names_the_key(key: str, value: Any, reason: str) -> None:
    nested = {"id": ORG, "rol": "admin", key: value}
    got = reason_of(lambda: auth().authenticate_claims({"sub": "user_1", "v": 2, "o": nested}))
    assert got == (InvalidClaims, reason)


@pytest.mark.parametrize("name", ["role", "org_role"])
def test_role_empty_after_dropping_org_prefix_is_malformed_role(name: str) -> None:
    got = reason_of(lambda: auth().authenticate_claims({**claims(), name: "org:"}))
    assert got == (InvalidClaims, "malformed_role")


def test_nested_rol_empty_after_dropping_org_prefix_is_malformed_role() -> None:
    v2 = {"sub": "user_1", "o": {"id": ORG, "rol": "org:"}}
    assert reason_of(lambda: auth().authenticate_claims(v2)) == (InvalidClaims, "malformed_role")


@pytest.mark.parametrize(
    "bad",
    [
        {"sub": "user_1"},
        {"sub": "user_1", "org_id": None},
        {"sub": "user_1", "o": {}},
        {"sub": "user_1", "o": None, "org_id": None},
        {"sub": "user_1", "o": {"id": None, "rol": "admin"}},
    ],
)
def test_no_org_claim_is_missing_org(bad: dict[str, Any]) -> None:
    assert reason_of(lambda: auth().authenticate_claims(bad)) == (InvalidClaims, "missing_org")


@pytest.mark.parametrize(
    "bad",
    [{"org_id": ORG}, {"org_id": ORG, "sub": None}, {"org_id": ORG, "sub": None, "user_id": None}],
)
def test_no_user_claim_is_missing_user(bad: dict[str, Any]) -> None:
    assert reason_of(lambda: auth().authenticate_claims(bad)) == (InvalidClaims, "missing_user")


def test_missing_org_is_reported_even_for_a_pending_session_of_another_shape() -> None:
    # identity problems are InvalidClaims (ID-REQUIRED) even when the session is also pending
    got = reason_of(lambda: auth().authenticate_claims({"sub": "user_1", "sts": "pending"}))
    assert got == (InvalidClaims, "missing_org")


@pytest.mark.parametrize(
    "bad",
    [
        claims(org_id=ORG, o={"id": "org_other"}),
        claims(org_id="org_other", o={"id": ORG}),
        claims(o={"id": ORG.upper()}),
    ],
)
def test_disagreeing_orgs_are_conflicting_org(bad: dict[str, Any]) -> None:
    assert reason_of(lambda: auth().authenticate_claims(bad)) == (InvalidClaims, "conflicting_org")


@pytest.mark.parametrize(
    "bad",
    [claims(user_id="user_2"), claims(sub="user_2", user_id="user_1"), claims(user_id="user_1 ")],
)
def test_disagreeing_users_are_conflicting_user(bad: dict[str, Any]) -> None:
    got = reason_of(lambda: auth().authenticate_claims(bad))
    assert got == (InvalidClaims, "conflicting_user")


@pytest.mark.parametrize(
    "roles",
    [
        {"role": "admin", "org_role": "org:guest"},
        {"org_role": "org:admin", "o": {"id": ORG, "rol": "member"}},
        {"role": "member", "o": {"id": ORG, "rol": "guest"}},
        {"role": "Admin", "org_role": "org:admin"},
    ],
)
def test_disagreeing_roles_are_conflicting_role(roles: dict[str, Any]) -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(**roles)))
    assert got == (InvalidClaims, "conflicting_role")


def test_pending_session_is_unauthorized() -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(sts="pending")))
    assert got == (Unauthorized, "pending_session")


@pytest.mark.parametrize("status", ["ended", "Pending", "revoked", "ACTIVE"])
def test_other_session_statuses_are_inactive_session(status: str) -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(sts=status)))
    assert got == (Unauthorized, "inactive_session")


@pytest.mark.parametrize("status", [None, "active"])
def test_absent_or_active_status_authenticates(status: str | None) -> None:
    assert auth().authenticate_claims(claims(sts=status)).external_id == "user_1"


@pytest.mark.parametrize(
    "profile",
    [{"name": 5, "email": ["x"], "image_url": {}}, {"name": "Ann", "email": "ann@example.com"}],
)
def test_profile_claims_are_data_never_identity(profile: dict[str, Any]) -> None:
    principal = auth().authenticate_claims(claims(**profile))
    assert (principal.external_id, principal.org_id) == ("user_1", ORG)


# ------------------------------------------------------------------------ claims → identity


@pytest.mark.parametrize(
    "shape",
    [
        {"sub": "user_1", "org_id": ORG, "org_role": "org:member", "org_slug": "acme"},
        {"sub": "user_1", "v": 2, "o": {"id": ORG, "rol": "member", "slg": "acme"}},
        {"sub": "user_1", "user_id": "user_1", "org_id": ORG, "role": "member"},
        {"user_id": "user_1", "org_id": ORG, "role": "org:member"},
        {"sub": "user_1", "org_id": ORG, "o": {"id": ORG, "rol": "org:member"}},
    ],
)
def test_every_shape_gives_the_same_identity(shape: dict[str, Any]) -> None:
    principal = auth().authenticate_claims(shape)
    assert (principal.external_id, principal.org_id, principal.role) == (
        "user_1",
        ORG,
        Role.VIEWER,
    )
    assert principal.session_id == ""


def test_resolve_identity_returns_the_resolved_fields() -> None:
    identity = resolve_identity(claims(sid="sess_9", org_role="org:admin"))
    assert (identity.org_id, identity.external_id, identity.role, identity.session_id) == (
        ORG,
        "user_1",
        Role.ADMIN,
        "sess_9",
    )


def test_session_id_echoes_sid_and_is_empty_without_one() -> None:
    a = auth()
    assert a.authenticate_claims(claims(sid="sess_1")).session_id == "sess_1"
    assert a.authenticate_claims(claims()).session_id == ""
    assert a.authenticate_claims(claims(sid="sess_2")).session_id == "sess_2"
