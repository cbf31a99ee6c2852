"""Unit tests of the reference authenticator (DESIGN.md §5): every rejection ``reason`` it can give,
its error class, role mapping, the tuple-keyed cache and its TTL, the user store, and which token a
request's places yield — plus a few contract-level scenarios the alternative must agree on.

Real RSA keys (generated once, at import), real JWS from PyJWT, a real JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time
from jwt.algorithms import RSAAlgorithm

import reference
from reference import (
    AuthError,
    InvalidClaims,
    LocalUser,
    Principal,
    ReferenceAuthenticator,
    Request,
    Role,
    Settings,
    SharedCache,
    TTLCache,
    Unauthorized,
    UserStore,
    resolve_identity,
)
from reference.requests import form_fields, looks_like_jwt, percent_decode
from reference.roles import map_role
from reference.tokens import (
    MAX_JSON_DEPTH,
    MAX_TOKEN_CHARS,
    KeySet,
    b64url_decode,
    check_times,
    compact_segments,
    json_depth,
    numeric_date,
    parse_json_object,
    required_date,
    verify_signature,
)
from strategies import signing_keys
from strategies.attacks import compact_json, header_of, jws, signer_of
from tests.alternative_impl import make as alternative_make

# ---------------------------------------------------------------------------------- fixtures

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "ins_unit_a"
ATTACKER_KID = "ins_unit_attacker"
ORG = "org_trusted"
T0 = datetime(2026, 6, 29, 10, 18, tzinfo=UTC)  # where every frozen clock starts
NOW = int(T0.timestamp())
CALLBACK = "/auth/clerk/callback"
FORM = "application/x-www-form-urlencoded"


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


JWKS = {"keys": [public_jwk(KEY, KID)]}
SETTINGS = Settings(org_id=ORG, jwks=JWKS)


def auth(**overrides: Any) -> ReferenceAuthenticator:
    settings = Settings(**{"org_id": ORG, "jwks": JWKS, **overrides})
    return ReferenceAuthenticator(settings)


def claims(**extra: Any) -> dict[str, Any]:
    """v1 claims for ``user_1`` of the trusted org; ``extra`` overrides (None values dropped)."""
    merged = {"sub": "user_1", "org_id": ORG, **extra}
    return {name: value for name, value in merged.items() if value is not None}


def timed(payload: Mapping[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {"iat": now, "nbf": now - 5, "exp": now + 60, **payload}


def sign(
    payload: Mapping[str, Any],
    *,
    key: rsa.RSAPrivateKey = KEY,
    kid: str | None = KID,
    add_times: bool = True,
    algorithm: str = "RS256",
    headers: Mapping[str, Any] | None = None,
) -> str:
    """A real JWS via ``jwt.encode``; ``kid=None`` leaves the kid out."""
    body = timed(payload) if add_times else dict(payload)
    head = {**({"kid": kid} if kid is not None else {}), **(headers or {})}
    return jwt.encode(body, key, algorithm=algorithm, headers=head)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_raw(header: Mapping[str, Any], payload: bytes, key: rsa.RSAPrivateKey = KEY) -> str:
    """RS256 over an arbitrary header and raw payload bytes (what ``jwt.encode`` won't build)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key)
    return f"{signing_input}.{b64(signature)}"


def token_for(user: str, **extra: Any) -> str:
    return sign(claims(sub=user, **extra))


def rejection(call: Callable[[], object]) -> AuthError:
    with pytest.raises(AuthError) as info:
        call()
    return info.value


def reason_of(call: Callable[[], object]) -> tuple[type[AuthError], str]:
    error = rejection(call)
    return type(error), error.reason


def form_post(body: str | bytes, *headers: tuple[str, str], target: str = CALLBACK) -> Request:
    raw = body.encode("ascii") if isinstance(body, str) else body
    return Request("POST", target, (("Content-Type", FORM), *headers), raw)


def get(*headers: tuple[str, str], target: str = "/api/v1/users/me") -> Request:
    return Request("GET", target, tuple(headers))


# ------------------------------------------------------------------------- claims → reasons


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


@pytest.mark.parametrize(
    "org", ["org_other", ORG.upper(), f" {ORG}", f"{ORG} ", f"{ORG}\x00", "None", ORG[:-1]]
)
def test_another_org_is_org_mismatch(org: str) -> None:
    got = reason_of(lambda: auth().authenticate_claims(claims(org_id=org)))
    assert got == (InvalidClaims, "org_mismatch")


def test_a_v2_token_for_another_org_is_org_mismatch() -> None:
    v2 = {"sub": "user_1", "v": 2, "o": {"id": "org_other", "rol": "admin"}}
    assert reason_of(lambda: auth().authenticate_claims(v2)) == (InvalidClaims, "org_mismatch")


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


# ------------------------------------------------------------------------ claims → principal


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


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({"org_role": "org:admin"}, Role.ADMIN),
        ({"org_role": "org:member"}, Role.VIEWER),
        ({"org_role": "org:guest"}, Role.GUEST),
        ({"o": {"id": ORG, "rol": "admin"}}, Role.ADMIN),
        ({"o": {"id": ORG, "rol": "member"}}, Role.VIEWER),
        ({"o": {"id": ORG, "rol": "guest"}}, Role.GUEST),
        ({"role": "admin"}, Role.ADMIN),
        ({"role": "org:admin"}, Role.ADMIN),
        ({"role": "guest"}, Role.GUEST),
        ({"role": "member"}, Role.VIEWER),
        ({"role": "admin", "org_role": "org:admin", "o": {"id": ORG, "rol": "admin"}}, Role.ADMIN),
        ({"role": "guest", "org_role": "org:guest"}, Role.GUEST),
        ({}, Role.GUEST),
        ({"role": None, "org_role": None}, Role.GUEST),
        ({"role": "billing_manager"}, Role.GUEST),
        ({"role": "Admin"}, Role.GUEST),
        ({"org_role": "ORG:ADMIN"}, Role.GUEST),
        ({"org_role": "org:org:admin"}, Role.GUEST),
        ({"o": {"id": ORG, "rol": "owner"}}, Role.GUEST),
    ],
)
def test_role_mapping(roles: dict[str, Any], expected: Role) -> None:
    assert auth().authenticate_claims(claims(**roles)).role is expected


def test_map_role_unknown_names_are_least_privilege() -> None:
    assert [map_role(n) for n in ("admin", "member", "guest", "owner", "")] == [
        Role.ADMIN,
        Role.VIEWER,
        Role.GUEST,
        Role.GUEST,
        Role.GUEST,
    ]


def test_session_id_echoes_sid_and_is_empty_without_one() -> None:
    a = auth()
    assert a.authenticate_claims(claims(sid="sess_1")).session_id == "sess_1"
    assert a.authenticate_claims(claims()).session_id == ""
    assert a.authenticate_claims(claims(sid="sess_2")).session_id == "sess_2"


def test_sid_never_changes_the_user() -> None:
    a = auth()
    ids = {a.authenticate_claims(claims(sid=sid)).user_id for sid in (None, "sess_1", "sess_2")}
    assert len(ids) == 1


def test_role_comes_from_the_current_token_not_the_cache() -> None:
    a = auth()
    assert a.authenticate_claims(claims(org_role="org:admin")).role is Role.ADMIN
    assert a.authenticate_claims(claims(org_role="org:guest")).role is Role.GUEST
    assert a.authenticate_claims(claims()).role is Role.GUEST


# ------------------------------------------------------------------------- cache, user store


def test_the_seed_bug_two_sidless_users_never_share_an_entry() -> None:
    a = auth()
    first = a.authenticate_claims(claims(sub="user_alice"))
    second = a.authenticate_claims(claims(sub="user_bob"))
    assert (first.external_id, second.external_id) == ("user_alice", "user_bob")
    assert first.user_id != second.user_id
    assert a.authenticate_claims(claims(sub="user_alice")).user_id == first.user_id


@pytest.mark.parametrize(
    "users",
    [
        ("user_1", "USER_1"),
        ("user_1", "user_1 "),
        ("user_1", " user_1"),
        ("user_1", "user_1\x00"),
        ("None", "null"),
        ("<nil>", "None"),
        ("\u00e9", "e\u0301"),
        ("user_\uff11", "user_1"),
    ],
)
def test_confusable_users_get_distinct_internal_ids(users: tuple[str, str]) -> None:
    a = auth()
    one, two = (a.authenticate_claims(claims(sub=user)) for user in users)
    assert one.user_id != two.user_id
    assert (one.external_id, two.external_id) == users


def test_the_cache_key_is_the_org_user_tuple() -> None:
    a = auth()
    principal = a.authenticate_claims(claims(sub="user_1"))
    record = a.cache.get((ORG, "user_1"))
    assert record is not None
    assert (record.user_id, record.org_id, record.external_id) == (
        principal.user_id,
        ORG,
        "user_1",
    )
    assert a.cache.get(f"{ORG}:user_1") is None  # type: ignore[arg-type]


def test_moved_separators_never_share_a_store_row() -> None:
    store = UserStore()
    left, right = store.get_or_create(("org_a:b", "c")), store.get_or_create(("org_a", "b:c"))
    assert left.user_id != right.user_id
    assert (left.org_id, left.external_id) == ("org_a:b", "c")


def test_user_store_is_stable_and_sequential() -> None:
    store = UserStore()
    first = store.get_or_create((ORG, "user_1"))
    second = store.get_or_create((ORG, "user_2"))
    assert store.get_or_create((ORG, "user_1")) is first
    assert (first.user_id, second.user_id) == ("usr_000001", "usr_000002")


def test_existing_users_linked_to_clerk_are_found_and_their_ids_never_reused() -> None:
    linked = LocalUser("usr_000001", "ada@example.com", "ada", "user_1")
    unlinked = LocalUser("usr_000002", "grace@example.com", "grace")
    a = auth(existing_users=(linked, unlinked))
    assert a.authenticate_claims({"sub": "user_1", "org_id": ORG}).user_id == "usr_000001"
    profile = {"email": "grace@example.com", "username": "grace", "name": "grace"}
    newcomer = a.authenticate_claims({"sub": "user_2", "org_id": ORG, **profile})
    assert newcomer.user_id == "usr_000003"  # not the unlinked account, nor a taken id


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


def test_a_shared_cache_keeps_each_value_for_its_ttl() -> None:
    with freeze_time(T0) as clock:
        cache = SharedCache()
        cache.set("k", 1, 30.0)
        clock.tick(29.9)
        assert cache.get("k") == 1 and cache.get("other") is None
        clock.tick(0.1)
        assert cache.get("k") is None


def test_ttl_cache_expires_exactly_at_the_ttl() -> None:
    with freeze_time(T0) as clock:
        cache: TTLCache[str, int] = TTLCache(ttl_s=300.0)
        cache.put("k", 1)
        clock.tick(299.9)
        assert cache.get("k") == 1
        clock.tick(0.1)
        assert cache.get("k") is None
        cache.put("k", 2)
        clock.tick(120)
        assert cache.get("k") == 2


def test_ttl_cache_evicts_the_least_recently_used() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60.0, max_size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


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


def test_concurrent_logins_each_get_their_own_identity() -> None:
    a = auth()
    users = [f"user_{n}" for n in range(16)]
    results: dict[str, list[Principal]] = {user: [] for user in users}
    barrier = threading.Barrier(len(users))

    def login(user: str) -> None:
        barrier.wait()
        for sid in (None, "sess_shared", None):
            results[user].append(a.authenticate_claims(claims(sub=user, sid=sid)))

    threads = [threading.Thread(target=login, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user, principals in results.items():
        assert {p.external_id for p in principals} == {user}
        assert len({p.user_id for p in principals}) == 1
    assert len({ps[0].user_id for ps in results.values()}) == len(users)


# ------------------------------------------------------------------------------- tokens


def test_a_valid_token_authenticates() -> None:
    principal = auth().authenticate_token(token_for("user_1", sid="sess_1"))
    assert (principal.external_id, principal.org_id, principal.session_id) == (
        "user_1",
        ORG,
        "sess_1",
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "....",
        "mt_0123456789abcdefghijkl",
        "!!!.???.***",
        f"{b64(b'not json')}.{b64(b'{}')}.{b64(b'sig')}",
        f"{b64(b'[1, 2]')}.{b64(b'{}')}.{b64(b'sig')}",
        "x" * 10_000,
    ],
)
def test_garbage_is_malformed(token: str) -> None:
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "malformed")


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"user_1"', b"\xff\xfe", b"null"])
def test_a_signed_payload_that_is_no_json_object_is_malformed(payload: bytes) -> None:
    token = sign_raw({"alg": "RS256", "kid": KID, "typ": "JWT"}, payload)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "malformed")


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_json_constants_are_malformed(constant: bytes) -> None:
    now = int(time.time())
    payload = b'{"sub":"user_1","org_id":"%s","iat":%d,"exp":%s}' % (ORG.encode(), now, constant)
    token = sign_raw({"alg": "RS256", "kid": KID}, payload)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "malformed")


def test_truncated_signature_is_rejected_as_malformed() -> None:
    header, payload, signature = token_for("user_1").split(".")
    token = f"{header}.{payload}.{signature[:-1]}"
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "malformed")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_alg_not_allowed(alg: str) -> None:
    token = f"{b64(json.dumps({'alg': alg, 'kid': KID}).encode())}.{b64(b'{}')}."
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "alg_not_allowed")


def _hs256_with_public_key() -> str:
    pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = ".".join(
        [
            b64(json.dumps({"alg": "HS256", "kid": KID}).encode()),
            b64(json.dumps(timed(claims())).encode()),
        ]
    )
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_hs256_keyed_with_the_public_key_is_alg_not_allowed() -> None:
    token = _hs256_with_public_key()
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "alg_not_allowed")


def test_hs256_is_refused_even_when_settings_allow_it_because_the_key_is_rsa() -> None:
    token = _hs256_with_public_key()
    a = auth(algorithms=("RS256", "HS256"))
    assert reason_of(lambda: a.authenticate_token(token)) == (Unauthorized, "alg_not_allowed")


def test_an_algorithm_other_than_the_keys_is_alg_not_allowed() -> None:
    token = sign(claims(), algorithm="RS384")
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "alg_not_allowed")
    allowed = auth(algorithms=("RS256", "RS384"))  # allowed, but the JWK is bound to RS256
    assert reason_of(lambda: allowed.authenticate_token(token)) == (
        Unauthorized,
        "alg_not_allowed",
    )


def test_a_non_string_alg_is_alg_not_allowed() -> None:
    token = sign_raw({"alg": ["RS256"], "kid": KID}, json.dumps(timed(claims())).encode())
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "alg_not_allowed")


def test_crit_is_unknown_crit() -> None:
    header = {"alg": "RS256", "kid": KID, "crit": ["b64"], "b64": True}
    token = sign_raw(header, json.dumps(timed(claims())).encode())
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "unknown_crit")


@pytest.mark.parametrize("crit", [["exp"], ["urn:example:x"], [], "b64"])
def test_any_other_crit_is_rejected(crit: Any) -> None:
    token = sign(claims(), headers={"crit": crit})
    error = rejection(lambda: auth().authenticate_token(token))
    assert isinstance(error, Unauthorized)
    assert error.reason == "unknown_crit"


def test_a_token_without_kid_is_missing_kid() -> None:
    token = sign(claims(), kid=None)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "missing_kid")


@pytest.mark.parametrize("kid", ["ins_unknown", ATTACKER_KID, KID.upper(), ""])
def test_a_kid_outside_the_jwks_is_unknown_kid(kid: str) -> None:
    token = sign(claims(), key=ATTACKER_KEY, kid=kid)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "unknown_kid")


def test_a_non_string_kid_is_rejected() -> None:
    token = sign_raw({"alg": "RS256", "kid": 7}, json.dumps(timed(claims())).encode())
    assert reason_of(lambda: auth().authenticate_token(token))[0] is Unauthorized


@pytest.mark.parametrize(
    "extra_header",
    [
        {},
        {"jwk": public_jwk(ATTACKER_KEY, KID)},
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": ["MIIBattacker"]},
    ],
)
def test_an_attacker_key_under_a_trusted_kid_is_bad_signature(
    extra_header: dict[str, Any],
) -> None:
    token = sign(claims(), key=ATTACKER_KEY, kid=KID, headers=extra_header)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "bad_signature")


def test_a_tampered_payload_is_bad_signature() -> None:
    header, _, signature = token_for("user_1").split(".")
    _, forged_payload, _ = token_for("user_admin", org_role="org:admin").split(".")
    token = f"{header}.{forged_payload}.{signature}"
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "bad_signature")


def test_a_stripped_signature_is_bad_signature() -> None:
    header, payload, _ = token_for("user_1").split(".")
    token = f"{header}.{payload}."
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "bad_signature")


def test_signature_is_checked_before_times_and_claims() -> None:
    token = sign({"sub": "user_1", "org_id": "org_other", "exp": 1}, key=ATTACKER_KEY)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "bad_signature")


@pytest.mark.parametrize(("drop", "reason"), [("exp", "missing_exp"), ("iat", "missing_iat")])
def test_missing_registered_times(drop: str, reason: str) -> None:
    payload = {k: v for k, v in timed(claims()).items() if k != drop}
    token = sign(payload, add_times=False)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, reason)


def test_null_exp_is_missing_exp() -> None:
    token = sign({**timed(claims()), "exp": None}, add_times=False)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "missing_exp")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("exp", "9999999999"),
        ("exp", True),
        ("exp", [1]),
        ("iat", "0"),
        ("iat", False),
        ("nbf", {}),
        ("nbf", "1"),
    ],
)
def test_non_numeric_times_are_malformed(name: str, value: Any) -> None:
    token = sign({**timed(claims()), name: value}, add_times=False)
    assert reason_of(lambda: auth().authenticate_token(token)) == (
        Unauthorized,
        f"malformed_{name}",
    )


def test_numeric_date_accepts_ints_and_finite_floats() -> None:
    assert required_date({"exp": 5}, "exp") == 5.0
    assert numeric_date({"exp": 5.5}, "exp") == 5.5
    assert numeric_date({}, "nbf") is None


def test_an_exp_beyond_float_range_is_an_auth_error_not_overflow() -> None:
    token = sign({**timed(claims()), "exp": 10**400}, add_times=False)
    assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "malformed_exp")


def at(**times: Any) -> str:
    """A token for ``user_1`` issued at ``NOW`` (the frozen ``T0``), living 60 s, overridden."""
    return sign({**claims(), "iat": NOW, "exp": NOW + 60, **times}, add_times=False)


@pytest.mark.parametrize(
    ("times", "reason"),
    [
        ({"exp": NOW - 5}, "expired"),  # exactly at the leeway edge: exp <= now - leeway
        ({"exp": NOW - 3600}, "expired"),
        ({"exp": NOW - 5.001}, "expired"),
        ({"nbf": NOW + 5.001}, "not_yet_valid"),
        ({"nbf": NOW + 3600}, "not_yet_valid"),
        ({"iat": NOW + 5.001}, "issued_in_future"),
        ({"iat": NOW + 3600}, "issued_in_future"),
    ],
)
def test_times_outside_the_leeway_are_rejected(times: dict[str, float], reason: str) -> None:
    token = at(**times)
    with freeze_time(T0):
        assert time.time() == NOW
        assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, reason)


@pytest.mark.parametrize(
    "times",
    [
        {"exp": NOW - 4.999},
        {"exp": NOW - 4},
        {"exp": NOW + 1},
        {"nbf": NOW + 5},
        {"nbf": NOW + 4.5},
        {"iat": NOW + 5},
        {"iat": NOW - 86_400},
        {"nbf": NOW - 10},
    ],
)
def test_times_inside_the_leeway_are_accepted(times: dict[str, float]) -> None:
    token = at(**times)
    with freeze_time(T0):
        assert auth().authenticate_token(token).external_id == "user_1"


def test_the_leeway_comes_from_settings_and_time_moves() -> None:
    token = at(exp=NOW + 10)
    with freeze_time(T0) as clock:
        strict = auth(leeway_s=0.0)
        assert strict.authenticate_token(token).external_id == "user_1"
        clock.tick(9.5)
        assert strict.authenticate_token(token).external_id == "user_1"
        clock.tick(0.5)
        assert reason_of(lambda: strict.authenticate_token(token)) == (Unauthorized, "expired")
        assert auth(leeway_s=30.0).authenticate_token(token).external_id == "user_1"


def test_token_times_are_checked_before_claims() -> None:
    token = at(exp=NOW - 3600, org_id="org_other")
    with freeze_time(T0):
        assert reason_of(lambda: auth().authenticate_token(token)) == (Unauthorized, "expired")


@pytest.mark.parametrize(
    "azp", [None, "https://evil.example.com", "", 5, ["https://app.example.com"]]
)
def test_azp_must_be_listed_when_parties_are_set(azp: Any) -> None:
    a = auth(authorized_parties=("https://app.example.com",))
    token = token_for("user_1", azp=azp)
    assert reason_of(lambda: a.authenticate_token(token)) == (Unauthorized, "bad_azp")


def test_a_listed_azp_is_accepted_and_azp_is_unchecked_by_default() -> None:
    a = auth(authorized_parties=("https://app.example.com", "https://admin.example.com"))
    listed = token_for("user_1", azp="https://admin.example.com")
    assert a.authenticate_token(listed).external_id == "user_1"
    unlisted = token_for("user_1", azp="https://evil.example.com")
    assert auth().authenticate_token(unlisted).external_id == "user_1"


@pytest.mark.parametrize("iss", [None, "https://evil.clerk.accounts.dev", "https://clerk.example"])
def test_iss_must_equal_the_pinned_issuer(iss: str | None) -> None:
    a = auth(issuer="https://clerk.example.com")
    token = token_for("user_1", iss=iss)
    assert reason_of(lambda: a.authenticate_token(token)) == (Unauthorized, "bad_iss")


def test_the_pinned_issuer_is_accepted_and_iss_is_unchecked_by_default() -> None:
    a = auth(issuer="https://clerk.example.com")
    pinned = token_for("user_1", iss="https://clerk.example.com")
    assert a.authenticate_token(pinned).external_id == "user_1"
    other = token_for("user_1", iss="https://anything.example")
    assert auth().authenticate_token(other).external_id == "user_1"


def test_claims_reasons_surface_through_tokens() -> None:
    assert reason_of(lambda: auth().authenticate_token(sign({"org_id": ORG}))) == (
        InvalidClaims,
        "missing_user",
    )
    assert reason_of(lambda: auth().authenticate_token(token_for("user_1", sts="pending"))) == (
        Unauthorized,
        "pending_session",
    )


def test_keyset_binds_kids_and_ignores_keys_without_one() -> None:
    kidless = {k: v for k, v in public_jwk(ATTACKER_KEY, "x").items() if k != "kid"}
    keys = KeySet({"keys": [public_jwk(KEY, KID), kidless]})
    assert keys.get(KID) is not None
    assert keys.get("x") is None
    assert keys.get(None) is None
    assert keys.get(["ins_unit_a"]) is None


def test_a_rotated_jwks_accepts_both_keys() -> None:
    rotated = {"keys": [public_jwk(KEY, KID), public_jwk(ATTACKER_KEY, "ins_unit_b")]}
    a = auth(jwks=rotated)
    second = sign(claims(sub="user_b"), key=ATTACKER_KEY, kid="ins_unit_b")
    assert a.authenticate_token(second).external_id == "user_b"
    assert a.authenticate_token(sign(claims())).external_id == "user_1"


# ---------------------------------------------------------------------- requests: ambient


def test_no_credentials_is_no_token() -> None:
    assert reason_of(lambda: auth().authenticate_request(get())) == (Unauthorized, "no_token")
    assert reason_of(lambda: auth().callback_subject(get())) == (Unauthorized, "no_token")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_bearer_scheme_and_header_name_are_case_insensitive(scheme: str, name: str) -> None:
    request = get((name, f"{scheme} {token_for('user_bearer')}"))
    assert auth().authenticate_request(request).external_id == "user_bearer"


def test_bearer_comes_before_the_session_cookie() -> None:
    request = get(
        ("Cookie", f"__session={token_for('user_cookie')}"),
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().authenticate_request(request).external_id == "user_bearer"


@pytest.mark.parametrize("name", ["Cookie", "cookie", "COOKIE"])
def test_the_session_cookie_is_used_without_bearer(name: str) -> None:
    request = get((name, f"__client_uat=1; __session={token_for('user_cookie')}; theme=dark"))
    assert auth().authenticate_request(request).external_id == "user_cookie"


def test_the_session_cookie_may_be_in_any_cookie_header() -> None:
    request = get(("Cookie", "a=1"), ("Cookie", f"  __session = {token_for('user_cookie')} "))
    assert auth().authenticate_request(request).external_id == "user_cookie"


@pytest.mark.parametrize("auth_value", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer\tabc"])
def test_other_schemes_are_ignored_in_favour_of_the_cookie(auth_value: str) -> None:
    request = get(("Authorization", auth_value), ("Cookie", f"__session={token_for('user_c')}"))
    assert auth().authenticate_request(request).external_id == "user_c"


@pytest.mark.parametrize(
    "cookie",
    ["__session=", "__Session=TOKEN", "__session_x7Yq=TOKEN", "session=TOKEN", "__session"],
)
def test_look_alike_or_empty_cookies_are_no_token(cookie: str) -> None:
    request = get(("Cookie", cookie.replace("TOKEN", token_for("user_decoy"))))
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "no_token")


def test_several_authorization_headers_are_ambiguous() -> None:
    request = get(
        ("Authorization", f"Bearer {token_for('user_1')}"),
        ("authorization", f"Bearer {token_for('user_2')}"),
    )
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "ambiguous_authorization",
    )


@pytest.mark.parametrize(
    "cookies",
    [
        [("Cookie", "__session=a.b.c; __session=d.e.f")],
        [("Cookie", "__session=a.b.c"), ("cookie", "__session=d.e.f")],
        [("Cookie", "__session=; __session=d.e.f")],
    ],
)
def test_several_session_cookies_are_ambiguous(cookies: list[tuple[str, str]]) -> None:
    request = get(*cookies)
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "ambiguous_cookie",
    )


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "bearer    ", "  Bearer  "])
def test_bearer_without_a_token_is_malformed_authorization(value: str) -> None:
    request = get(("Authorization", value), ("Cookie", f"__session={token_for('user_1')}"))
    assert reason_of(lambda: auth().authenticate_request(request)) == (
        Unauthorized,
        "malformed_authorization",
    )


@pytest.mark.parametrize(
    "header",
    [
        ("Authorization", "Bearer a.b.c\r\nX-Injected: 1"),
        ("Authorization", "Bearer a.b.c\n"),
        ("Authorization", "Bearer a.b\x00.c"),
        ("Cookie", "__session=a.b.c\r\n"),
    ],
)
def test_cr_lf_or_nul_in_a_read_header_is_malformed_header(header: tuple[str, str]) -> None:
    assert reason_of(lambda: auth().authenticate_request(get(header))) == (
        Unauthorized,
        "malformed_header",
    )


@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/", [("Authorization", "Bearer a.b.c")]),  # type: ignore[arg-type]
        Request("GET", "/", (("Authorization", 5),)),  # type: ignore[arg-type]
        Request("GET", "/", (("Authorization",),)),  # type: ignore[arg-type]
        Request("GET", "/", ("Authorization: Bearer a.b.c",)),  # type: ignore[arg-type]
        Request("POST", CALLBACK, (("Content-Type", FORM),), "clerk_session_token=a.b.c"),  # type: ignore[arg-type]
    ],
)
def test_requests_of_the_wrong_types_are_malformed_request(request_: Request) -> None:
    assert reason_of(lambda: auth().callback_subject(request_)) == (
        Unauthorized,
        "malformed_request",
    )


def test_authenticate_request_never_reads_the_body_or_the_query() -> None:
    relayed = token_for("user_body")
    request = form_post(
        f"clerk_session_token={relayed}",
        target=f"/api/v1/users/me?clerk_session_token={token_for('user_query')}",
    )
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "no_token")
    with_cookie = form_post(
        f"clerk_session_token={relayed}", ("Cookie", f"__session={token_for('user_cookie')}")
    )
    assert auth().authenticate_request(with_cookie).external_id == "user_cookie"


def test_authenticate_request_does_not_demand_jwt_shape_but_verification_rejects() -> None:
    request = get(("Authorization", "Bearer ak_0123456789abcdef"))
    assert reason_of(lambda: auth().authenticate_request(request)) == (Unauthorized, "malformed")


# --------------------------------------------------------------------- requests: callback


def test_the_relayed_body_token_comes_before_bearer_and_cookie() -> None:
    request = form_post(
        f"redirect_url=%2Fdashboard&clerk_session_token={token_for('user_body')}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert auth().callback_subject(request).external_id == "user_body"


def test_without_a_relayed_token_bearer_then_cookie() -> None:
    bearer_and_cookie = form_post(
        "redirect_url=%2F",
        ("Cookie", f"__session={token_for('user_cookie')}"),
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().callback_subject(bearer_and_cookie).external_id == "user_bearer"
    cookie_only = form_post("", ("Cookie", f"__session={token_for('user_cookie')}"))
    assert auth().callback_subject(cookie_only).external_id == "user_cookie"


def test_the_query_string_is_never_read() -> None:
    query = f"{CALLBACK}?clerk_session_token={token_for('user_query')}"
    request = form_post("redirect_url=%2F", target=query)
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "no_token")
    with_cookie = form_post("", ("Cookie", f"__session={token_for('user_cookie')}"), target=query)
    assert auth().callback_subject(with_cookie).external_id == "user_cookie"


@pytest.mark.parametrize("method", ["GET", "PUT", "post", "Post", "PATCH"])
def test_a_body_outside_a_post_is_ignored(method: str) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    bare = Request(method, CALLBACK, (("Content-Type", FORM),), body)
    assert reason_of(lambda: auth().callback_subject(bare)) == (Unauthorized, "no_token")
    ambient = Request(
        method,
        CALLBACK,
        (("Content-Type", FORM), ("Authorization", f"Bearer {token_for('user_bearer')}")),
        body,
    )
    assert auth().callback_subject(ambient).external_id == "user_bearer"


@pytest.mark.parametrize(
    "content_types",
    [
        [("Content-Type", "application/json")],
        [("Content-Type", "multipart/form-data; boundary=x")],
        [("Content-Type", "text/plain")],
        [],
    ],
)
def test_a_body_that_is_not_a_form_is_ignored(
    content_types: list[tuple[str, str]],
) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    headers = (*content_types, ("Cookie", f"__session={token_for('user_cookie')}"))
    request = Request("POST", CALLBACK, headers, body)
    assert auth().callback_subject(request).external_id == "user_cookie"


@pytest.mark.parametrize(
    "content_type",
    [
        FORM,
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-URLEncoded",
        "  application/x-www-form-urlencoded ;charset=utf-8",
    ],
)
@pytest.mark.parametrize("name", ["Content-Type", "content-type", "CONTENT-TYPE"])
def test_form_media_type_and_header_name_are_case_insensitive(content_type: str, name: str) -> None:
    body = f"clerk_session_token={token_for('user_body')}".encode("ascii")
    request = Request("POST", CALLBACK, ((name, content_type),), body)
    assert auth().callback_subject(request).external_id == "user_body"


def test_the_relayed_token_is_percent_decoded() -> None:
    token = token_for("user_body")
    encoded = "".join(f"%{byte:02X}" for byte in token.encode("ascii"))
    name = quote("clerk_session_token", safe="").replace("_", "%5F")
    request = form_post(f"{name}={encoded}")
    assert auth().callback_subject(request).external_id == "user_body"


def test_the_first_relayed_field_wins() -> None:
    request = form_post(
        f"clerk_session_token={token_for('user_first')}"
        f"&clerk_session_token={token_for('user_second')}"
    )
    assert auth().callback_subject(request).external_id == "user_first"


def test_an_empty_first_relayed_field_falls_back_to_ambient() -> None:
    request = form_post(
        f"clerk_session_token=&clerk_session_token={token_for('user_second')}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert auth().callback_subject(request).external_id == "user_bearer"


def test_look_alike_fields_are_not_relayed_tokens() -> None:
    request = form_post(
        f"clerk_session_token_x={token_for('user_decoy')}&Clerk_Session_Token={token_for('u2')}",
        ("X-Clerk-Session-Token", token_for("user_decoy")),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "no_token")


@pytest.mark.parametrize("place", ["body", "bearer", "cookie"])
@pytest.mark.parametrize(
    "token",
    ["mt_0123456789abcdefghijklmn", "oat_ABCDEFGHIJ0123456789xyz", "ak_live_abc", "a.b", "a..c"],
)
def test_non_jwts_are_not_a_session_token(place: str, token: str) -> None:
    headers = {
        "body": (),
        "bearer": (("Authorization", f"Bearer {token}"),),
        "cookie": (("Cookie", f"__session={token}"),),
    }[place]
    body = f"clerk_session_token={token}" if place == "body" else ""
    request = form_post(body, *headers)
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "not_a_session_token",
    )


def test_looks_like_jwt() -> None:
    assert looks_like_jwt("a.b.c")
    assert not any(looks_like_jwt(t) for t in ["", "a.b", "a..c", ".b.c", "a.b.", "a.b.c.d"])


def test_a_failing_relayed_token_never_falls_back() -> None:
    expired = sign({**claims(sub="user_body"), "iat": 1, "exp": 2}, add_times=False)
    request = form_post(
        f"clerk_session_token={expired}",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "expired")


def test_a_failing_bearer_never_falls_back_to_the_cookie() -> None:
    forged = sign(claims(sub="user_bearer"), key=ATTACKER_KEY)
    request = form_post(
        "",
        ("Authorization", f"Bearer {forged}"),
        ("Cookie", f"__session={token_for('user_cookie')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "bad_signature")


def test_a_relayed_machine_token_never_falls_back() -> None:
    request = form_post(
        "clerk_session_token=oat_0123456789abcdefghij",
        ("Authorization", f"Bearer {token_for('user_bearer')}"),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "not_a_session_token",
    )


@pytest.mark.parametrize(
    "body",
    [
        b"clerk_session_token=%zz",
        b"clerk_session_token=%4",
        b"clerk_session_token=%",
        b"clerk_session_token=%ff%fe",
        b"clerk_session_token=%C3",
        b"clerk%ZZsession=1",
        b"clerk_session_token=\xc3\xa9",
        b"clerk_session_token=\xff",
    ],
)
def test_undecodable_form_bodies_are_malformed_body(body: bytes) -> None:
    request = form_post(body, ("Authorization", f"Bearer {token_for('user_bearer')}"))
    assert reason_of(lambda: auth().callback_subject(request)) == (Unauthorized, "malformed_body")


def test_an_undecodable_body_outside_a_form_post_is_not_read() -> None:
    request = Request(
        "POST",
        CALLBACK,
        (("Content-Type", "application/json"), ("Authorization", f"Bearer {token_for('u_b')}")),
        b"\xff%zz",
    )
    assert auth().callback_subject(request).external_id == "u_b"


def test_percent_decode_and_form_fields() -> None:
    assert percent_decode("a+b%2B%20c%C3%A9") == "a b+ c\u00e9"
    assert form_fields(b"a=1&&b&c=%3D&=v") == [("a", "1"), ("b", ""), ("c", "="), ("", "v")]


@pytest.mark.parametrize("method", ["authenticate_request", "callback_subject"])
@pytest.mark.parametrize(
    "request_",
    [
        Request("", "", (), b""),
        Request("POST", "?", (("Content-Type", FORM),), b"&&=&"),
        Request("POST", "/", (("Cookie", "=;=;"), ("Authorization", "")), b""),
        Request("POST", "/", (("Content-Type", FORM),), b"clerk_session_token=" + b"a." * 3),
    ],
)
def test_odd_requests_are_unauthorized(method: str, request_: Request) -> None:
    error = rejection(lambda: getattr(auth(), method)(request_))
    assert isinstance(error, Unauthorized)
    assert error.reason in {"no_token", "not_a_session_token"}


# ------------------------------------------------ contract-level agreement with the alternative

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
    ("hs256-confusion", "authenticate_token", _hs256_with_public_key, Unauthorized),
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


@pytest.mark.parametrize(
    "content_types",
    [
        [FORM, FORM],
        ["application/x-www-form-urlencoded, text/plain"],
        [FORM, "application/json"],
    ],
)
def test_an_ambiguous_content_type_is_rejected_not_read_past(content_types: list[str]) -> None:
    body_token, ambient = token_for("user_relayed"), token_for("user_ambient")
    headers = [("Content-Type", value) for value in content_types]
    request = Request(
        "POST",
        "/callback",
        (*headers, ("Authorization", f"Bearer {ambient}")),
        f"clerk_session_token={body_token}".encode(),
    )
    assert reason_of(lambda: auth().callback_subject(request)) == (
        Unauthorized,
        "ambiguous_content_type",
    )


# ------------------------------------------------------------- strict compact serialization


@pytest.mark.parametrize(
    ("segment", "canonical"),
    [("eyJhIjoxfQ", True), ("eyJhIjoxfQ==", False), ("eyJhIjoxfR", False), ("ab+/", False)],
)
def test_base64url_segments_must_be_canonical(segment: str, canonical: bool) -> None:
    if canonical:
        assert b64url_decode(segment) == b'{"a":1}'
    else:
        with pytest.raises(Unauthorized) as rejected:
            b64url_decode(segment)
        assert rejected.value.reason == "malformed"


def test_tokens_longer_than_the_cap_are_too_large_unread() -> None:
    with pytest.raises(Unauthorized) as rejected:
        compact_segments("!" * (MAX_TOKEN_CHARS + 1))
    assert rejected.value.reason == "too_large"
    with pytest.raises(Unauthorized) as rejected:
        compact_segments("!" * MAX_TOKEN_CHARS)
    assert rejected.value.reason == "malformed"


@pytest.mark.parametrize(("depth", "ok"), [(1, True), (32, True), (33, False), (900, False)])
def test_json_nesting_is_bounded_whatever_the_recursion_limit(depth: int, ok: bool) -> None:
    raw = b'{"a":' + b"[" * (depth - 1) + b"1" + b"]" * (depth - 1) + b"}"
    assert json_depth(json.loads(raw)) == depth and MAX_JSON_DEPTH == 32
    if ok:
        assert parse_json_object(raw)["a"] is not None
    else:
        with pytest.raises(Unauthorized) as rejected:
            parse_json_object(raw)
        assert rejected.value.reason == "malformed"


def test_a_null_kid_is_a_missing_kid() -> None:
    key = signing_keys().trusted[0]
    token = jws(header_of(key, kid=None), compact_json({"sub": "user_1"}), signer_of(key))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert "kid" not in header
    token = jws({**header, "kid": None}, compact_json({"sub": "user_1"}), signer_of(key))
    with pytest.raises(Unauthorized) as rejected:
        verify_signature(token, KeySet(signing_keys().jwks), ("RS256",))
    assert rejected.value.reason == "missing_kid"


def test_times_in_required_may_not_be_absent_others_may() -> None:
    check_times({"iat": 0}, now=10, leeway=0, required=("iat",))
    with pytest.raises(Unauthorized) as rejected:
        check_times({"iat": 0}, now=10, leeway=0)
    assert rejected.value.reason == "missing_exp"
