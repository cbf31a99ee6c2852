"""Unit tests of ``reference.tokens``: every ``Unauthorized`` reason token verification gives
(shape, algorithm, ``crit``, ``kid``, signature, times, ``azp``/``iss``), the JWKS key set."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time
from jwt.algorithms import RSAAlgorithm

from reference import Unauthorized
from reference.tokens import (
    MAX_JSON_DEPTH,
    MAX_TOKEN_CHARS,
    KeySet,
    b64url_decode,
    check_times,
    compact_segments,
    json_depth,
    nests_deeper,
    numeric_date,
    parse_json_object,
    required_date,
    verify_signature,
)
from strategies import signing_keys
from strategies.attacks import compact_json, header_of, jws, signer_of
from tests.reference_helpers import (
    ATTACKER_KEY,
    KEY,
    KID,
    ORG,
    T0,
    auth,
    b64,
    claims,
    public_jwk,
    reason_of,
    rejection,
    sign,
    timed,
    token_for,
)
from tests.reference_helpers import hs256_with_public_key as _hs256_with_public_key

NOW = int(T0.timestamp())
ATTACKER_KID = "ins_unit_attacker"


def sign_raw(header: Mapping[str, Any], payload: bytes, key: rsa.RSAPrivateKey = KEY) -> str:
    """RS256 over an arbitrary header and raw payload bytes (what ``jwt.encode`` won't build)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key)
    return f"{signing_input}.{b64(signature)}"


# ----------------------------------------------------------------------------------- tokens


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


@pytest.mark.quick
@pytest.mark.parametrize(
    ("raw", "depth", "deeper"),
    [
        (b'{"a":[[1]]}', 2, True),
        (b'{"a":[[1]]}', 3, False),
        (b'{"s":"[[[[[[\\"[[[{{{"}', 1, False),  # brackets in a string, an escaped quote
        (b'{"a":' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}", 1000, True),
        (b"[" * 5000, 1000, True),  # no JSON: an upper bound is enough
    ],
)
def test_nesting_is_read_without_recursing(raw: bytes, depth: int, deeper: bool) -> None:
    assert nests_deeper(raw, depth) is deeper
    if not deeper:
        assert json_depth(json.loads(raw)) <= depth
