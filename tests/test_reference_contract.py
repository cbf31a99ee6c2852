"""Unit tests of ``reference.contract`` (its ``SharedCache``) and contract-level scenarios the
reference and the alternative implementation (``tests/impls``) must agree on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

import reference
from reference import AuthError, InvalidClaims, Principal, Role, Settings, SharedCache, Unauthorized
from tests.impls.alternative_impl import make as alternative_make
from tests.reference_helpers import (
    ATTACKER_KEY,
    CALLBACK,
    JWKS,
    KID,
    ORG,
    T0,
    b64,
    claims,
    form_post,
    get,
    hs256_with_public_key,
    sign,
    token_for,
)


def test_a_shared_cache_keeps_each_value_for_its_ttl() -> None:
    with freeze_time(T0) as clock:
        cache = SharedCache()
        cache.set("k", 1, 30.0)
        clock.tick(29.9)
        assert cache.get("k") == 1 and cache.get("other") is None
        clock.tick(0.1)
        assert cache.get("k") is None


# -------------------------------------------- contract-level agreement with the alternative


SETTINGS = Settings(org_id=ORG, jwks=JWKS)
Factory = Callable[[Settings], Any]
FACTORIES: dict[str, Factory] = {"reference": reference.make, "alternative": alternative_make}


def _login(factory: Factory, *claim_sets: dict[str, Any]) -> list[Principal | AuthError]:
    sut = factory(SETTINGS)
    outcomes: list[Principal | AuthError] = []
    for claim_set in claim_sets:
        try:
            outcomes.append(sut.authenticate_claims(claim_set))
        except AuthError as error:
            outcomes.append(error)
    return outcomes


def _call(factory: Factory, method: str, arg: Any) -> Principal | AuthError:
    try:
        result: Principal = getattr(factory(SETTINGS), method)(arg)
    except AuthError as error:
        return error
    return result


ALG_NONE = f"{b64(json.dumps({'alg': 'none', 'kid': KID}).encode())}.{b64(b'{}')}."


# (scenario id, method, argument builder, expected: a user id, or the AuthError class required)
SCENARIOS: list[tuple[str, str, Callable[[], Any], str | type[AuthError]]] = [
    ("v1", "authenticate_claims", lambda: claims(org_role="org:member"), "user_1"),
    ("v2", "authenticate_claims", lambda: {"sub": "u_2", "v": 2, "o": {"id": ORG}}, "u_2"),
    ("template", "authenticate_claims", lambda: claims(user_id="user_1", role="x"), "user_1"),
    ("missing-org", "authenticate_claims", lambda: {"sub": "user_1"}, InvalidClaims),
    ("missing-user", "authenticate_claims", lambda: {"org_id": ORG, "sub": ""}, InvalidClaims),
    ("o-not-object", "authenticate_claims", lambda: {"sub": "u", "o": "org"}, InvalidClaims),
    ("non-mapping", "authenticate_claims", lambda: ["sub"], InvalidClaims),
    ("conflicting-user", "authenticate_claims", lambda: claims(user_id="user_2"), AuthError),
    ("conflicting-org", "authenticate_claims", lambda: claims(o={"id": "org_x"}), AuthError),
    ("foreign-org", "authenticate_claims", lambda: claims(org_id=ORG.upper()), AuthError),
    ("pending", "authenticate_claims", lambda: claims(sts="pending"), Unauthorized),
    ("token", "authenticate_token", lambda: token_for("user_t"), "user_t"),
    ("attacker-key", "authenticate_token", lambda: sign(claims(), key=ATTACKER_KEY), Unauthorized),
    ("unknown-kid", "authenticate_token", lambda: sign(claims(), kid="nope"), Unauthorized),
    ("no-kid", "authenticate_token", lambda: sign(claims(), kid=None), Unauthorized),
    ("alg-none", "authenticate_token", lambda: ALG_NONE, Unauthorized),
    ("hs256-confusion", "authenticate_token", hs256_with_public_key, Unauthorized),
    (
        "no-exp",
        "authenticate_token",
        lambda: sign({**claims(), "iat": int(time.time())}, add_times=False),
        Unauthorized,
    ),
    (
        "expired",
        "authenticate_token",
        lambda: sign({**claims(), "iat": 1, "exp": 2}, add_times=False),
        Unauthorized,
    ),
    ("garbage-token", "authenticate_token", lambda: "not.a.jwt", Unauthorized),
    ("missing-user-token", "authenticate_token", lambda: sign({"org_id": ORG}), InvalidClaims),
    (
        "callback-body-first",
        "callback_subject",
        lambda: form_post(
            f"clerk_session_token={token_for('user_body')}",
            ("Authorization", f"Bearer {token_for('user_bearer')}"),
            ("Cookie", f"__session={token_for('user_cookie')}"),
        ),
        "user_body",
    ),
    (
        "callback-bearer-before-cookie",
        "callback_subject",
        lambda: form_post(
            "redirect_url=%2F",
            ("Cookie", f"__session={token_for('user_cookie')}"),
            ("authorization", f"BEARER {token_for('user_bearer')}"),
        ),
        "user_bearer",
    ),
    (
        "callback-query-ignored",
        "callback_subject",
        lambda: form_post("", target=f"{CALLBACK}?clerk_session_token={token_for('user_q')}"),
        Unauthorized,
    ),
    (
        "callback-machine-token",
        "callback_subject",
        lambda: form_post("clerk_session_token=mt_0123456789abcdefghijkl"),
        Unauthorized,
    ),
    (
        "callback-no-fallback",
        "callback_subject",
        lambda: form_post(
            f"clerk_session_token={sign(claims(), key=ATTACKER_KEY)}",
            ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ),
        Unauthorized,
    ),
    (
        "request-body-ignored",
        "authenticate_request",
        lambda: form_post(f"clerk_session_token={token_for('user_body')}"),
        Unauthorized,
    ),
    (
        "request-bearer-before-cookie",
        "authenticate_request",
        lambda: get(
            ("Cookie", f"__session={token_for('user_cookie')}"),
            ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ),
        "user_bearer",
    ),
    (
        "request-cookie",
        "authenticate_request",
        lambda: get(("Cookie", f"theme=dark; __session={token_for('user_cookie')}")),
        "user_cookie",
    ),
]


@pytest.mark.parametrize("factory_name", sorted(FACTORIES))
@pytest.mark.parametrize(
    ("method", "build", "expected"),
    [pytest.param(m, b, e, id=name) for name, m, b, e in SCENARIOS],
)
def test_contract_scenarios_agree(
    factory_name: str, method: str, build: Callable[[], Any], expected: str | type[AuthError]
) -> None:
    outcome = _call(FACTORIES[factory_name], method, build())
    if isinstance(expected, str):
        assert isinstance(outcome, Principal), outcome
        assert (outcome.external_id, outcome.org_id) == (expected, ORG)
    else:
        assert isinstance(outcome, expected), outcome


@pytest.mark.parametrize("factory_name", sorted(FACTORIES))
def test_contract_cache_isolation_and_sid_agree(factory_name: str) -> None:
    alice, bob, alice_again, alice_sid = _login(
        FACTORIES[factory_name],
        claims(sub="user_alice"),
        claims(sub="user_bob"),
        claims(sub="user_alice"),
        claims(sub="user_alice", sid="sess_9"),
    )
    assert all(isinstance(o, Principal) for o in (alice, bob, alice_again, alice_sid))
    assert isinstance(alice, Principal) and isinstance(bob, Principal)
    assert isinstance(alice_again, Principal) and isinstance(alice_sid, Principal)
    assert (alice.external_id, bob.external_id) == ("user_alice", "user_bob")
    assert alice.user_id != bob.user_id
    assert alice.user_id == alice_again.user_id == alice_sid.user_id
    assert (alice.session_id, alice_sid.session_id) == ("", "sess_9")


@pytest.mark.parametrize("factory_name", sorted(FACTORIES))
@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ({"org_role": "org:guest"}, {Role.GUEST}),
        ({"o": {"id": ORG, "rol": "guest"}}, {Role.GUEST}),
        ({"role": "guest"}, {Role.GUEST}),
        ({"org_role": "org:admin"}, {Role.ADMIN}),
        ({"o": {"id": ORG, "rol": "admin"}}, {Role.ADMIN}),
        ({"role": "billing_manager"}, {Role.GUEST, Role.VIEWER}),
        ({"role": "Admin"}, {Role.GUEST, Role.VIEWER}),
        ({}, {Role.GUEST, Role.VIEWER}),
    ],
)
def test_contract_roles_agree(factory_name: str, roles: dict[str, Any], allowed: set[Role]) -> None:
    (outcome,) = _login(FACTORIES[factory_name], claims(**roles))
    assert isinstance(outcome, Principal)
    assert outcome.role in allowed


@pytest.mark.parametrize("factory_name", sorted(FACTORIES))
def test_contract_mixed_guest_and_admin_never_admin(factory_name: str) -> None:
    (outcome,) = _login(FACTORIES[factory_name], claims(role="admin", org_role="org:guest"))
    assert isinstance(outcome, AuthError) or outcome.role is Role.GUEST
