"""Every attack of ``strategies.ATTACKS`` is a genuine instance of what its name says, and the
reference rejects each with ``Unauthorized`` and the attack's own ``reason``."""

from __future__ import annotations

import base64
import hmac
import json
import math
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from jwt.algorithms import get_default_algorithms

from reference import ReferenceAuthenticator, Settings, Unauthorized
from reference.keys import load_public_key
from reference.tokens import MAX_TOKEN_CHARS
from strategies import (
    ATTACK_NAMES,
    ATTACKS,
    AUTHORIZED_PARTIES,
    ISSUER,
    TIMELY_CASES,
    TRUSTED_ORG,
    ClerkIdentity,
    session_claims,
    signing_keys,
    timely_tokens,
    token_attacks,
)
from strategies.attacks import (
    DEGENERATE_ECDSA,
    HMAC_DIGESTS,
    HUGE_TOKEN_CHARS,
    KID_INJECTIONS,
    KID_LOOKUPS,
    OTHER_RSA_ALGORITHMS,
    P256_ORDER,
    Scene,
    public_key_forms,
    signature_probe,
    unb64url,
)
from strategies.clock import frozen_clock, timestamp
from strategies.keys import EC_KEY_FORMS, KEY_FORMS, key_text

KEYS = signing_keys()
TRUSTED_KIDS = {key.kid for key in (*KEYS.trusted, KEYS.trusted_ec)}
NOW = timestamp()
LEEWAY = 5
SETTINGS = Settings(
    org_id=TRUSTED_ORG,
    jwks=KEYS.jwks,
    algorithms=("RS256", "ES256"),
    leeway_s=LEEWAY,
    authorized_parties=AUTHORIZED_PARTIES,
    issuer=ISSUER,
)
CLAIMS = session_claims(ClerkIdentity(TRUSTED_ORG, "user_2abcDEF"), noise=False)

#: The reason the reference gives for each attack (``malformed_<claim>`` spelt out below).
REASONS = {
    "alg_none": "alg_not_allowed",
    "hmac_public_key": "alg_not_allowed",
    "hmac_held_key": "alg_not_allowed",
    "hmac_empty_key": "alg_not_allowed",
    "other_algorithm": "alg_not_allowed",
    "untrusted_key": "unknown_kid",
    "untrusted_key_victim_kid": "bad_signature",
    "unknown_kid": "unknown_kid",
    "missing_kid": "missing_kid",
    "kid_injection": "alg_not_allowed",
    "embedded_jwk": "unknown_kid",
    "jku_url": "unknown_kid",
    "x5u_url": "unknown_kid",
    "x5c_chain": "unknown_kid",
    "tampered_payload": "bad_signature",
    "tampered_header": "bad_signature",
    "reencoded_segment": "malformed",
    "signature_stripped": "bad_signature",
    "signature_truncated": "bad_signature",
    "signature_swapped": "bad_signature",
    "unknown_crit": "unknown_crit",
    "psychic_signature": "bad_signature",
    "missing_exp": "missing_exp",
    "expired": "expired",
    "exp_boundary": "expired",
    "not_yet_valid": "not_yet_valid",
    "issued_in_future": "issued_in_future",
    **{
        f"{kind}_{name}": f"malformed_{name}"
        for kind in ("unreadable", "huge")
        for name in ("exp", "nbf", "iat")
    },
    "azp_missing": "bad_azp",
    "azp_unlisted": "bad_azp",
    "azp_not_a_string": "bad_azp",
    "iss_mismatch": "bad_iss",
    "segment_count": "malformed",
    "empty_segment": "malformed",
    "bad_base64url": "malformed",
    "whitespace": "malformed",
    "not_json": "malformed",
    "not_an_object": "malformed",
    "non_utf8": "malformed",
    "deeply_nested": "malformed",
    "huge": "too_large",
}


@pytest.fixture(scope="module")
def clock() -> Iterator[object]:
    with frozen_clock() as frozen:
        yield frozen


def attacks(*names: str) -> st.SearchStrategy[tuple[str, str]]:
    return CLAIMS.flatmap(
        lambda claims: token_attacks(KEYS, claims, attacks=names or ATTACK_NAMES, now=NOW)
    )


def test_every_attack_has_a_reason_and_a_doc() -> None:
    assert set(REASONS) == set(ATTACK_NAMES)
    assert all(ATTACKS[name].doc for name in ATTACK_NAMES)


def test_the_readme_lists_every_attack() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert not [name for name in ATTACK_NAMES if f"`{name}`" not in readme]


@given(attack=attacks())
def test_the_reference_rejects_every_attack_with_its_reason(
    clock: object, attack: tuple[str, str]
) -> None:
    name, token = attack
    with pytest.raises(Unauthorized) as rejected:
        ReferenceAuthenticator(SETTINGS).authenticate_token(token)
    assert rejected.value.reason in reasons(name), (name, rejected.value)


#: What a time past every date, but within a double's range (-1e300, 1e13), plainly is.
TIME_REASONS = {"exp": "expired", "nbf": "not_yet_valid", "iat": "issued_in_future"}


def reasons(name: str) -> set[str]:
    """The reasons the reference may give for attack ``name``: its own, and for a ``huge_*``
    time that is still a finite double (``-1e300``, ``1e13``), what that time plainly is."""
    kind, _, claim = name.partition("_")
    huge_time = kind == "huge" and claim in TIME_REASONS
    return {REASONS[name], TIME_REASONS[claim]} if huge_time else {REASONS[name]}


@given(claims=CLAIMS, leeway=st.sampled_from([0, 1, 5, 300]), data=st.data())
def test_the_reference_accepts_every_timely_token(
    clock: object, claims: dict[str, Any], leeway: int, data: st.DataObject
) -> None:
    settings = Settings(org_id=TRUSTED_ORG, jwks=KEYS.jwks, leeway_s=leeway)
    for case in TIMELY_CASES:
        _, token = data.draw(timely_tokens(KEYS, claims, cases=(case,), now=NOW, leeway=leeway))
        principal = ReferenceAuthenticator(settings).authenticate_token(token)
        assert principal.external_id == claims["sub"], case


# ------------------------------------------------------------------ genuine instances


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, decoded leniently (the attacks bend the encoding)."""
    header, payload = token.split(".")[:2]
    return json.loads(unb64url(header.rstrip("="))), json.loads(unb64url(payload.rstrip("=")))


def verifies(token: str, jwk: dict[str, Any]) -> bool:
    """Whether ``token``'s signature verifies under public ``jwk`` with the JWK's algorithm —
    checked with ``cryptography`` over the raw signing input, whatever the header says."""
    algorithm = jwt.PyJWK(jwk)
    raw = signature(token)
    if jwk["kty"] == "EC":
        if len(raw) != 64:
            return False
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        if not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
            return False
        raw = encode_dss_signature(r, s)
        check = lambda: algorithm.key.verify(raw, signing_input(token), ec.ECDSA(hashes.SHA256()))  # noqa: E731
    else:
        check = lambda: algorithm.key.verify(  # noqa: E731
            raw, signing_input(token), padding.PKCS1v15(), hashes.SHA256()
        )
    try:
        check()
    except InvalidSignature:
        return False
    return True


def signing_input(token: str) -> bytes:
    return token.rsplit(".", 1)[0].encode("ascii")


def signature(token: str) -> bytes:
    return unb64url(token.rsplit(".", 1)[1].rstrip("="))


TRUSTED_JWK = KEYS.trusted[0].public_jwk()
ATTACKER_JWKS = [KEYS.attacker.public_jwk(), KEYS.attacker_ec.public_jwk()]
ALL_TRUSTED = [key.public_jwk() for key in (*KEYS.trusted, KEYS.trusted_ec)]


@given(attack=attacks("alg_none"))
def test_alg_none_is_none_in_some_case(attack: tuple[str, str]) -> None:
    header, _ = parts(attack[1])
    assert header["alg"].lower() == "none" and header["alg"] in ("none", "None", "NONE", "nOnE")
    assert not verifies(attack[1], TRUSTED_JWK)


def _hmac_under(token: str, secret: bytes) -> bool:
    header, _ = parts(token)
    expected = hmac.new(secret, signing_input(token), HMAC_DIGESTS[header["alg"]]).digest()
    return hmac.compare_digest(expected, signature(token))


@given(attack=attacks("hmac_public_key"))
def test_hmac_confusion_verifies_under_the_public_key_bytes(attack: tuple[str, str]) -> None:
    token = attack[1]
    header, _ = parts(token)
    key = KEYS.trusted[0] if header["kid"] == KEYS.trusted[0].kid else KEYS.trusted_ec
    assert header["kid"] == key.kid
    assert any(_hmac_under(token, form) for form in public_key_forms(key).values())


@given(attack=attacks("hmac_held_key"))
def test_the_held_key_forgery_verifies_under_the_held_bytes(attack: tuple[str, str]) -> None:
    assert _hmac_under(attack[1], key_text(KEYS.trusted[0], "spki-pem").encode())


@given(attack=attacks("hmac_empty_key"))
def test_the_empty_key_forgery_is_empty_or_keyed_with_nothing(attack: tuple[str, str]) -> None:
    assert signature(attack[1]) == b"" or _hmac_under(attack[1], b"")


@given(attack=attacks("other_algorithm"))
def test_the_other_algorithm_token_verifies_under_the_trusted_key_as_its_alg(
    attack: tuple[str, str],
) -> None:
    header, _ = parts(attack[1])
    assert header["alg"] in OTHER_RSA_ALGORITHMS and header["kid"] == KEYS.trusted[0].kid
    algorithm = get_default_algorithms()[header["alg"]]
    assert algorithm.verify(
        signing_input(attack[1]), KEYS.trusted[0].public_key, signature(attack[1])
    )


def test_every_key_form_is_read_as_the_same_public_key() -> None:
    for key, forms in ((KEYS.trusted[0], KEY_FORMS), (KEYS.trusted_ec, EC_KEY_FORMS)):
        for form in forms:
            held = load_public_key(key_text(key, form))
            assert held.public_numbers() == key.public_key.public_numbers(), form


def test_the_signature_probe_keys_hmac_with_the_held_bytes_and_every_form() -> None:
    held = key_text(KEYS.trusted[0], "pkcs1-pem")
    scene = Scene(
        KEYS, {"sub": "user_1", "org_id": "org_1"}, NOW, 5, AUTHORIZED_PARTIES, ISSUER, held
    )
    probe = signature_probe(scene, ("RS256", "RS384"))
    by_attack = {attack for attack, _, _ in probe}
    assert by_attack == {"hmac_held_key", "hmac_public_key", "alg_none", "hmac_empty_key",
                         "other_algorithm"}  # fmt: skip
    assert any(a == "hmac_held_key" and _hmac_under(t, held.encode()) for a, _, t in probe)
    assert not any(a == "other_algorithm" and "RS384" in w for a, w, _ in probe)
    kids = {json.dumps(parts(t)[0].get("kid", "absent")) for a, _, t in probe if a == "alg_none"}
    assert len(kids) == len(KID_LOOKUPS)


@given(attack=attacks("untrusted_key", "untrusted_key_victim_kid"))
def test_untrusted_key_tokens_verify_under_the_attacker_key_only(attack: tuple[str, str]) -> None:
    name, token = attack
    header, _ = parts(token)
    assert any(verifies(token, jwk) for jwk in ATTACKER_JWKS)
    assert not any(verifies(token, jwk) for jwk in ALL_TRUSTED)
    assert (header["kid"] in TRUSTED_KIDS) == (name == "untrusted_key_victim_kid")


@given(attack=attacks("unknown_kid", "missing_kid"))
def test_kid_attacks_carry_a_genuine_trusted_signature(attack: tuple[str, str]) -> None:
    name, token = attack
    header, _ = parts(token)
    assert verifies(token, TRUSTED_JWK)
    if name == "missing_kid":
        assert header.get("kid") is None
    else:
        assert header["kid"] not in TRUSTED_KIDS


@given(attack=attacks("kid_injection"))
def test_kid_injection_is_keyed_with_what_the_injection_returns(attack: tuple[str, str]) -> None:
    token = attack[1]
    header, _ = parts(token)
    secret = dict(KID_INJECTIONS)[header["kid"]]
    expected = hmac.new(secret, signing_input(token), "sha256").digest()
    assert header["alg"] == "HS256" and hmac.compare_digest(expected, signature(token))
    assert "/" in header["kid"] or "'" in header["kid"] or '"' in header["kid"]


@given(attack=attacks("embedded_jwk", "jku_url", "x5u_url", "x5c_chain"))
def test_embedded_key_headers_point_at_the_attacker_key(attack: tuple[str, str]) -> None:
    name, token = attack
    header, _ = parts(token)
    if name == "embedded_jwk":
        assert header["jwk"] in ATTACKER_JWKS and verifies(token, header["jwk"])
    elif name == "x5c_chain":
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (owner,) = [key for key in (KEYS.attacker, KEYS.attacker_ec) if key.public_der() == spki]
        assert verifies(token, owner.public_jwk())
    else:
        url = header["jku" if name == "jku_url" else "x5u"]
        assert url.startswith("https://") and "attacker" in url
        assert any(verifies(token, jwk) for jwk in ATTACKER_JWKS)
    assert not any(verifies(token, jwk) for jwk in ALL_TRUSTED)


@given(attack=attacks("tampered_payload", "tampered_header", "signature_swapped"))
def test_tampered_tokens_keep_a_trusted_signature_that_no_longer_matches(
    attack: tuple[str, str],
) -> None:
    token = attack[1]
    header, payload = parts(token)
    assert header["kid"] in TRUSTED_KIDS and payload["org_id" if "org_id" in payload else "o"]
    assert len(signature(token)) == 256  # a whole RSA-2048 signature, by a trusted key...
    assert not any(verifies(token, jwk) for jwk in ALL_TRUSTED)  # ...over something else


@given(attack=attacks("reencoded_segment"))
def test_reencoded_segments_decode_to_a_validly_signed_token(attack: tuple[str, str]) -> None:
    token = attack[1]
    header, payload, sig = token.split(".")
    assert "=" in header + payload or "+" in header + payload or "/" in header + payload

    def canonical(segment: str) -> str:
        return segment.rstrip("=").replace("+", "-").replace("/", "_")

    assert verifies(".".join([canonical(header), canonical(payload), sig]), TRUSTED_JWK)


@given(attack=attacks("signature_stripped", "signature_truncated"))
def test_stripped_or_truncated_signatures_are_shorter(attack: tuple[str, str]) -> None:
    name, token = attack
    length = len(signature(token))
    assert length == 0 if name == "signature_stripped" else 0 < length < 256


@given(attack=attacks("unknown_crit"))
def test_crit_names_extensions_present_and_unknown(attack: tuple[str, str]) -> None:
    header, _ = parts(attack[1])
    assert header["crit"] and all(name in header and name != "b64" for name in header["crit"])
    assert verifies(attack[1], TRUSTED_JWK)


@given(attack=attacks("psychic_signature"))
def test_psychic_signatures_are_degenerate_ecdsa(attack: tuple[str, str]) -> None:
    token = attack[1]
    header, _ = parts(token)
    raw = signature(token)
    pair = (int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    assert header == {"alg": "ES256", "kid": KEYS.trusted_ec.kid, "typ": "JWT"}
    assert pair in DEGENERATE_ECDSA


def _times_of(token: str) -> dict[str, Any]:
    _, payload = parts(token)
    return {name: payload.get(name, "absent") for name in ("exp", "nbf", "iat")}


@given(attack=attacks(*(n for n in ATTACK_NAMES if ATTACKS[n].family == "time")))
def test_time_attacks_are_out_of_bounds_and_correctly_signed(attack: tuple[str, str]) -> None:
    name, token = attack
    assert verifies(token, TRUSTED_JWK)
    times = _times_of(token)

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if name == "missing_exp":
        assert times["exp"] in ("absent", None)
    elif name == "expired":
        assert times["exp"] <= NOW - LEEWAY - 1
    elif name == "exp_boundary":
        assert times["exp"] == NOW - LEEWAY
    elif name == "not_yet_valid":
        assert times["nbf"] >= NOW + LEEWAY + 1
    elif name == "issued_in_future":
        assert times["iat"] >= NOW + LEEWAY + 1
    else:
        kind, _, claim = name.partition("_")
        value = times[claim]
        if kind == "unreadable":
            assert not number(value) and value is not None
        else:
            infinite = isinstance(value, float) and math.isinf(value)
            # beyond a double's range, or a date's (JavaScript's Date ends at 8.64e12 s)
            assert number(value) and (infinite or abs(value) >= 10**13)
            assert (value < 0) == (claim == "exp")


@given(attack=attacks("azp_missing", "azp_unlisted", "azp_not_a_string", "iss_mismatch"))
def test_audience_attacks_miss_by_one_claim(attack: tuple[str, str]) -> None:
    name, token = attack
    _, payload = parts(token)
    assert verifies(token, TRUSTED_JWK)
    if name == "iss_mismatch":
        assert payload.get("iss") != ISSUER and payload["azp"] in AUTHORIZED_PARTIES
    else:
        assert payload.get("azp") not in AUTHORIZED_PARTIES and payload["iss"] == ISSUER


STRICT = set(string.ascii_letters + string.digits + "-_")


def _canonical(segment: str) -> bool:
    if not set(segment) <= STRICT or len(segment) % 4 == 1:
        return False
    raw = unb64url(segment)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == segment


def _reject(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _json_of(segment: str) -> Any:
    """Strict JSON (RFC 8259: no NaN or Infinity)."""
    return json.loads(unb64url(segment).decode("utf-8"), parse_constant=_reject)


@given(attack=attacks(*(n for n in ATTACK_NAMES if ATTACKS[n].family == "malformed")))
def test_malformed_tokens_are_malformed(attack: tuple[str, str]) -> None:
    name, token = attack
    segments = token.split(".")
    if name == "segment_count":
        assert len(segments) != 3 or token == ""
    elif name == "empty_segment":
        assert "" in segments[:2]
    elif name == "bad_base64url":
        assert not all(_canonical(segment) for segment in segments)
    elif name == "whitespace":
        assert any(char.isspace() for char in token)
        assert verifies("".join(token.split()), TRUSTED_JWK)
    elif name == "not_json":
        assert verifies(token, TRUSTED_JWK)
        with pytest.raises(ValueError):
            _json_of(segments[0]), _json_of(segments[1])
    elif name == "not_an_object":
        assert verifies(token, TRUSTED_JWK)
        assert not all(isinstance(_json_of(segment), dict) for segment in segments[:2])
    elif name == "non_utf8":
        assert verifies(token, TRUSTED_JWK)
        with pytest.raises(UnicodeDecodeError):
            unb64url(segments[1]).decode("utf-8")
    elif name == "deeply_nested":
        assert verifies(token, TRUSTED_JWK) and len(token) <= MAX_TOKEN_CHARS
        text, depth, deepest = unb64url(segments[1]).decode(), 0, 0
        for char in text:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
            deepest = max(deepest, depth)
        assert deepest > 1_000
    else:
        assert name == "huge"
        assert len(token) > HUGE_TOKEN_CHARS and verifies(token, TRUSTED_JWK)


def test_token_attacks_validate_their_arguments() -> None:
    claims = {"sub": "user_1", "org_id": TRUSTED_ORG}
    with pytest.raises(InvalidArgument):
        token_attacks(KEYS, claims, attacks=("alg_nothing",))
    with pytest.raises(InvalidArgument):
        token_attacks(KEYS, claims, parties=())
    with pytest.raises(InvalidArgument):
        token_attacks(KEYS, claims, leeway=-1)
    with pytest.raises(InvalidArgument):
        timely_tokens(KEYS, claims, cases=("late",))
    with pytest.raises(InvalidArgument):
        token_attacks("keys", claims)  # type: ignore[arg-type]
