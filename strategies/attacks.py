"""Attacks on a session-token verifier: forged, mistimed, misaddressed and malformed tokens.

Every attack is named, documented in ``ATTACKS``, and built with real keys and real encodings
(RSA, ECDSA and HMAC from ``cryptography``/``hmac``; X.509 certificates; base64url of real JSON),
starting from a *valid* session: the claims of a real identity in the trusted org, with times,
``azp`` and ``iss`` a correctly configured deployment accepts. So the attack is the only reason
to reject the token. Draw them one family at a time, or all at once::

    >>> from strategies import ClerkIdentity, signing_keys, token_attacks
    >>> claims = {"sub": "user_1", "org_id": "org_1"}
    >>> token_attacks(signing_keys(), claims, attacks=("alg_none",)).example()  # doctest: +SKIP
    ('alg_none', 'eyJhbGciOiJuT25FIiwia2lkIjoiaW5zX2hhcm5lc3NfMjAyNmEiLCJ0eXAiOiJKV1QifQ.eyJ...')

Attacks with a time (``"expired"``, ``"not_yet_valid"``…) are relative to ``now`` and
``leeway``; pass the instant and leeway the verifier runs with.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from reference.tokens import b64url_encode

from ._validation import check_choice, check_type
from .draws import pick
from .ids import clerk_ids
from .keys import DEFAULT_KEY_FORM, EC_KEY_FORMS, KEY_FORMS, SigningKey, SigningKeys, key_text
from .ratings import Reach, Severity
from .tokens import AUTHORIZED_PARTIES, ISSUER, TOKEN_LIFETIME_S, remembered

#: The deployment the attacks aim at: its authorized parties (``azp``) and pinned issuer.

#: The order of the P-256 group: ECDSA's r and s must lie in [1, n - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
#: Degenerate ECDSA (r, s) pairs — (0, 0) is CVE-2022-21449's "psychic signature".
DEGENERATE_ECDSA = (
    (0, 0),
    (0, 1),
    (1, 0),
    (P256_ORDER, P256_ORDER),
    (0, P256_ORDER),
    (P256_ORDER, 0),
)
#: Tokens longer than this are "huge": any sane deployment rejects them (a cookie holds 4 KiB).
HUGE_TOKEN_CHARS = 1 << 20
_PAD = b"x" * HUGE_TOKEN_CHARS
YEAR_S = 365 * 24 * 3600

Signer = Callable[[bytes], bytes]
AttackToken = tuple[str, str]  # (attack name, compact token)


# ----------------------------------------------------------------------------- encodings


#: Unpadded base64url (RFC 7515 §2): the reference's encoder.
b64url = b64url_encode


def unb64url(segment: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def compact_json(value: Any) -> bytes:
    """JSON as a JWS producer writes it: compact, UTF-8."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def jws(header: Mapping[str, Any] | bytes, payload: bytes, signer: Signer) -> str:
    """A compact JWS: ``signer`` signs ``b64url(header).b64url(payload)`` as RFC 7515 §5.1 says.

    ``header`` is a JSON object, or raw bytes to send whatever an attacker likes."""
    raw_header = header if isinstance(header, bytes) else compact_json(header)
    signing_input = f"{b64url(raw_header)}.{b64url(payload)}"
    return f"{signing_input}.{b64url(signer(signing_input.encode('ascii')))}"


def rsa_signer(key: rsa.RSAPrivateKey) -> Signer:
    """RS256: RSASSA-PKCS1-v1_5 with SHA-256 (each input signed once: ``remembered``)."""

    def sign(data: bytes) -> bytes:
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    return lambda data: bytes(remembered(key, data, sign))


def fixed_width(r: int, s: int) -> bytes:
    """An ES256 signature as a JWS carries it: ``r || s``, 32 bytes each (RFC 7518 §3.4)."""
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ec_signer(key: ec.EllipticCurvePrivateKey) -> Signer:
    """ES256: ECDSA P-256 with SHA-256, as the JWS's fixed-width ``r || s`` (each input signed
    once: ``remembered``)."""

    def sign(data: bytes) -> bytes:
        return fixed_width(*decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256()))))

    return lambda data: bytes(remembered(key, data, sign))


def signer_of(key: SigningKey) -> Signer:
    """The signer for ``key``'s algorithm."""
    private = key.private_key
    return (
        ec_signer(private)
        if isinstance(private, ec.EllipticCurvePrivateKey)
        else rsa_signer(private)
    )


HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def hmac_signer(secret: bytes, alg: str) -> Signer:
    """HS256/384/512 keyed with ``secret``."""
    return lambda data: hmac.new(secret, data, HMAC_DIGESTS[alg]).digest()


def header_of(key: SigningKey, **extra: Any) -> dict[str, Any]:
    """The header a legitimate signer writes for ``key`` (``extra`` added; ``None`` removes)."""
    header = {"alg": key.alg, "kid": key.kid, "typ": "JWT", **extra}
    return {name: value for name, value in header.items() if value is not None}


@functools.cache
def certificate_b64(key: SigningKey) -> str:
    """``key``'s self-signed certificate as an ``x5c`` entry: standard base64 of the DER."""
    return base64.b64encode(key.certificate_der()).decode("ascii")


@functools.cache
def public_key_forms(key: SigningKey) -> dict[str, bytes]:
    """The public key as an HMAC-confused verifier might hold it, by form: every text form a
    deployment keeps it in (``strategies.KEY_FORMS``), its DER, and its bare JWK's JSON."""
    jwk = {k: v for k, v in key.public_jwk().items() if k in ("kty", "n", "e", "crv", "x", "y")}
    forms = EC_KEY_FORMS if key.alg == "ES256" else KEY_FORMS
    return {
        **{form: key_text(key, form).encode("ascii") for form in forms},
        "der": key.public_der(),
        "jwk-bare": compact_json(jwk),
    }


# ---------------------------------------------------------------------------------- scene


@dataclass(frozen=True)
class Scene:
    """What an attack starts from: the keys, a valid session's claims, and the deployment it
    targets (the verifier's ``now``, ``leeway``, authorized parties and issuer)."""

    keys: SigningKeys
    claims: Mapping[str, Any]
    now: int
    leeway: int
    parties: tuple[str, ...]
    issuer: str
    #: The trusted key as the verifier holds it (``Settings.jwt_key``); ``None``: a PEM.
    held: str | None = None
    #: Claims every forgery built from this scene also carries (``BLEMISHES``): a second,
    #: harmless-looking error beside the fatal one.
    blemish: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> SigningKey:
        """The trusted key legitimate tokens are signed with."""
        return self.keys.trusted[0]

    @property
    def held_bytes(self) -> bytes:
        """The exact bytes the verifier holds its key in: what a confused one keys HMAC with."""
        held = key_text(self.key, DEFAULT_KEY_FORM) if self.held is None else self.held
        return held.encode("utf-8")

    def payload(self, **changes: Any) -> dict[str, Any]:
        """The valid session's claims — times around ``now``, a listed ``azp``, the issuer —
        with ``changes`` applied (``None`` removes a claim)."""
        base = {
            "iat": self.now,
            "nbf": self.now - 5,
            "exp": self.now + TOKEN_LIFETIME_S,
            "azp": self.parties[0] if self.parties else AUTHORIZED_PARTIES[0],
            "iss": self.issuer,
            **self.claims,
            **self.blemish,
            **changes,
        }
        return {name: value for name, value in base.items() if value is not None}

    def valid(self, **changes: Any) -> str:
        """The valid session token (``changes`` applied to its claims), correctly signed — the
        unchanged one signed once per scene, as many attacks start from it."""
        if not changes and "_valid" in self.__dict__:
            return str(self.__dict__["_valid"])
        token = jws(header_of(self.key), compact_json(self.payload(**changes)), signer_of(self.key))
        if not changes:
            object.__setattr__(self, "_valid", token)  # a cache, not state: same claims, same token
        return token


Build = Callable[[st.DrawFn, Scene], str]


@dataclass(frozen=True)
class Attack:
    """A named attack: the invariant family it tests, how to build one token, who can build it
    (``reach``), how bad accepting it is when not its row's severity (``severity``, else
    ``None``), and ``fix``: what to change in an implementation that accepts it."""

    name: str
    family: str
    build: Build
    reach: Reach
    severity: Severity | None
    fix: str

    @property
    def doc(self) -> str:
        """What the attack is: its builder's first paragraph, whole, on one line."""
        paragraph = (self.build.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(line.strip() for line in paragraph.splitlines())


ATTACKS: dict[str, Attack] = {}
FAMILIES = ("signature", "time", "audience", "malformed")


def attack(
    family: str, reach: Reach, severity: Severity | None = None, *, fix: str
) -> Callable[[Build], Build]:
    """Register the decorated builder as the attack named after it, in ``family``, built by
    ``reach`` (who can), with its ``severity`` (``None``: its row's) and ``fix`` hint."""

    check_choice("family", family, FAMILIES)
    if not fix or "\n" in fix:
        raise ValueError(f"an attack's fix hint is one line, not {fix!r}")

    def register(build: Build) -> Build:
        name = build.__name__.lstrip("_")
        if name in ATTACKS:
            raise ValueError(f"attack {name!r} is registered twice")
        ATTACKS[name] = Attack(name, family, build, Reach(reach), severity, fix)
        return build

    return register


# ---------------------------------------------------------------------- signature attacks


#: What a verifier's key lookup meets, by name: the header's ``kid`` trusted, unknown, absent,
#: ``null``, or of another type. A verifier whose lookup fails may fall back to no key, an empty
#: one, or ``none`` (CVE-2022-23540): every keyless forgery is sent under each.
KID_LOOKUPS = ("trusted", "unknown", "absent", "null", "number", "list")
NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")


def lookup_header(scene: Scene, alg: str, lookup: str) -> dict[str, Any]:
    """The trusted key's header with ``alg``, its ``kid`` as ``lookup`` (``KID_LOOKUPS``) says."""
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    kid = scene.key.kid
    values: dict[str, Any] = {
        "trusted": kid, "unknown": "ins_harness_2025z", "null": None, "number": 2026, "list": [kid]
    }  # fmt: skip
    if lookup != "absent":
        header["kid"] = values[lookup]
    return header


def keyless(scene: Scene, alg: str, lookup: str, signature: str) -> str:
    """The scene's payload under ``lookup_header``, with ``signature`` as its third segment."""
    head = b64url(compact_json(lookup_header(scene, alg, lookup)))
    return f"{head}.{b64url(compact_json(scene.payload()))}.{signature}"


def hmac_forged(scene: Scene, alg: str, lookup: str, secret: bytes) -> str:
    """The scene's payload under ``lookup_header``, HS256/384/512-signed with ``secret``."""
    return jws(
        lookup_header(scene, alg, lookup), compact_json(scene.payload()), hmac_signer(secret, alg)
    )


@attack(
    "signature",
    Reach.ANYONE,
    fix="pin the algorithm list to RS256 and never take `alg` from the header",
)
def _alg_none(draw: st.DrawFn, scene: Scene) -> str:
    """``alg`` none, None, NONE or nOnE, with an empty or the original signature, under any
    ``kid`` a key lookup may meet (trusted, unknown, absent, null, another type)."""
    alg, lookup = pick(draw, NONE_SPELLINGS), pick(draw, KID_LOOKUPS)
    signature = pick(draw, ["", scene.valid().split(".")[2]])
    return keyless(scene, alg, lookup, signature)


@attack(
    "signature",
    Reach.ANYONE,
    fix="verify with the RSA key and algorithms=['RS256'] only, never HS* with it",
)
def _hmac_public_key(draw: st.DrawFn, scene: Scene) -> str:
    """HS256/384/512 keyed with a trusted public key in any form a deployment holds one in —
    SPKI or PKCS#1 PEM however stored, a certificate, OpenSSH, a JWK, DER — RSA or EC, but the
    exact bytes the verifier holds (``hmac_held_key``'s): algorithm confusion."""
    alg = pick(draw, sorted(HMAC_DIGESTS))
    key = pick(draw, [scene.key, scene.keys.trusted_ec])
    forms = {name: raw for name, raw in public_key_forms(key).items() if raw != scene.held_bytes}
    secret = forms[pick(draw, sorted(forms))]
    return jws(header_of(key, alg=alg), compact_json(scene.payload()), hmac_signer(secret, alg))


@attack(
    "signature",
    Reach.ANYONE,
    fix="load the key you hold as a public key and pin RS256: never let `alg` make it a secret",
)
def _hmac_held_key(draw: st.DrawFn, scene: Scene) -> str:
    """HS256/384/512 keyed with exactly the bytes the verifier holds its key in — a PEM with a
    leading newline, PKCS#1, a certificate… — under any ``kid`` a lookup may meet: a verifier
    that sniffs its key's text to tell a public key from a secret (CVE-2024-37568,
    CVE-2023-48223) keys HMAC with it."""
    alg, lookup = pick(draw, sorted(HMAC_DIGESTS)), pick(draw, KID_LOOKUPS)
    return hmac_forged(scene, alg, lookup, scene.held_bytes)


@attack(
    "signature",
    Reach.ANYONE,
    fix="refuse a token whose key lookup fails; never verify with an empty or missing key",
)
def _hmac_empty_key(draw: st.DrawFn, scene: Scene) -> str:
    """HS256/384/512 with an empty signature, or keyed with an empty secret, under any ``kid``
    a lookup may meet: a verifier whose lookup failed and left its key empty accepts it."""
    alg, lookup = pick(draw, sorted(HMAC_DIGESTS)), pick(draw, KID_LOOKUPS)
    if draw(st.booleans()):
        return keyless(scene, alg, lookup, "")
    return hmac_forged(scene, alg, lookup, b"")


#: The algorithms an RSA key can sign with besides RS256 (RFC 7518 §3.3, §3.5).
OTHER_RSA_ALGORITHMS = ("RS384", "RS512", "PS256", "PS384", "PS512")
_RSA_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512
}  # fmt: skip


def rsa_signer_as(key: rsa.RSAPrivateKey, alg: str) -> Signer:
    """``key`` signing as RS256/384/512 (PKCS#1 v1.5) or PS256/384/512 (PSS, salt as long as
    the hash, RFC 7518 §3.5)."""
    digest = _RSA_HASHES[alg[2:]]()
    if alg.startswith("PS"):
        pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        return lambda data: key.sign(data, pss, digest)
    return lambda data: key.sign(data, padding.PKCS1v15(), digest)


def other_algorithm_token(scene: Scene, alg: str) -> str:
    """The valid session signed by the trusted key under ``alg`` (``OTHER_RSA_ALGORITHMS``)."""
    private = scene.key.private_key
    if not isinstance(private, rsa.RSAPrivateKey):
        raise TypeError("the trusted key signs RSA")
    header = header_of(scene.key, alg=alg)
    return jws(header, compact_json(scene.payload()), rsa_signer_as(private, alg))


@attack(
    "signature",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="pin the algorithms to the deployment's list (RS256), not to the key's type",
)
def _other_algorithm(draw: st.DrawFn, scene: Scene) -> str:
    """The valid session signed by the trusted key itself under RS384, RS512, PS256, PS384 or
    PS512, which the deployment does not allow: a verifier that lets the key's type pick the
    algorithm accepts any of them."""
    return other_algorithm_token(scene, pick(draw, OTHER_RSA_ALGORITHMS))


def blemishes(now: int, leeway: int) -> dict[str, dict[str, Any]]:
    """Second errors a forgery may carry beside its fatal one, by name: ``iat``/``nbf`` a few
    seconds ahead and ``exp`` a few past, inside the leeway and just outside it, an ``iss`` or
    ``azp`` of another deployment. A caller that forgives the harmless-looking one forgives
    the forgery with it (CVE-2024-51744: golang-jwt v4 reported both)."""
    inside, outside = max(leeway - 2, 0), leeway + 1
    return {
        "none": {},
        "iat-ahead": {"iat": now + inside},
        "iat-ahead-beyond-leeway": {"iat": now + outside},
        "nbf-ahead": {"nbf": now + inside},
        "nbf-ahead-beyond-leeway": {"nbf": now + outside},
        "exp-past": {"exp": now - inside},
        "exp-past-beyond-leeway": {"exp": now - outside},
        "iss-mismatch": {"iss": "https://clerk.attacker.example"},
        "azp-mismatch": {"azp": "https://attacker.example"},
    }


#: The blemishes that need the deployment to pin its issuer, or list its parties.
NEEDS_SETTING = {"iss-mismatch": "issuer", "azp-mismatch": "authorized_parties"}


def signature_probe(scene: Scene, allowed: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """``(attack, what, token)`` for every keyless and key-confused forgery, each once: HMAC
    keyed with each trusted key in every form (the held bytes among them), and ``none`` and
    HMAC with an empty, empty-keyed or held-key signature under every key lookup
    (``KID_LOOKUPS``); then the trusted key under each other RSA algorithm not ``allowed``."""
    probe = []
    held = scene.held_bytes
    for key in (scene.key, scene.keys.trusted_ec):
        forms = public_key_forms(key)
        if key is scene.key and held not in forms.values():
            forms = {**forms, "held": held}
        for form, secret in forms.items():
            attack = "hmac_held_key" if secret == held else "hmac_public_key"
            for alg in sorted(HMAC_DIGESTS):
                signer = hmac_signer(secret, alg)
                token = jws(header_of(key, alg=alg), compact_json(scene.payload()), signer)
                probe.append((attack, f"{alg} keyed with the {key.alg} key as {form}", token))
    original = scene.valid().split(".")[2]
    for lookup in KID_LOOKUPS:
        kid = f"kid {lookup}"
        for alg in NONE_SPELLINGS:
            for signature, said in (("", "empty"), (original, "the original")):
                token = keyless(scene, alg, lookup, signature)
                probe.append(("alg_none", f"alg {alg}, {kid}, {said} signature", token))
        for alg in sorted(HMAC_DIGESTS):
            probe += [
                ("hmac_empty_key", f"{alg}, {kid}, empty signature",
                 keyless(scene, alg, lookup, "")),
                ("hmac_empty_key", f"{alg}, {kid}, keyed with b''",
                 hmac_forged(scene, alg, lookup, b"")),
                ("hmac_held_key", f"{alg}, {kid}, keyed with the held key",
                 hmac_forged(scene, alg, lookup, held)),
            ]  # fmt: skip
    for alg in OTHER_RSA_ALGORITHMS:
        if alg not in allowed:
            what = f"signed by the trusted key as {alg}"
            probe.append(("other_algorithm", what, other_algorithm_token(scene, alg)))
    return probe


def compound_probe(scene: Scene) -> list[tuple[str, str, str, str]]:
    """``(blemish, what, forgery, blemished)`` for a few forgeries — a signature by another key
    under the trusted ``kid``, ``alg: none``, HS256 keyed with the held key — each alone and
    carrying each blemish of ``blemishes``: where the forgery alone is refused, the blemished
    one must be too."""
    forgeries: dict[str, Callable[[Scene], str]] = {
        "another key's signature under the trusted kid": lambda s: jws(
            header_of(s.key), compact_json(s.payload()), signer_of(s.keys.attacker)
        ),
        "alg none, empty signature": lambda s: keyless(s, "none", "trusted", ""),
        "HS256 keyed with the held key": lambda s: hmac_forged(s, "HS256", "trusted", s.held_bytes),
    }
    probe = []
    for name, changes in blemishes(scene.now, scene.leeway).items():
        if not changes:
            continue
        blemished = replace(scene, blemish=changes)
        for what, forge in forgeries.items():
            probe.append((name, what, forge(scene), forge(blemished)))
    return probe


def _attacker(draw: st.DrawFn, scene: Scene) -> SigningKey:
    return pick(draw, [scene.keys.attacker, scene.keys.attacker_ec])


@attack(
    "signature",
    Reach.ANYONE,
    fix="verify only with the keys of your instance's JWKS (or CLERK_JWT_KEY)",
)
def _untrusted_key(draw: st.DrawFn, scene: Scene) -> str:
    """A correct signature by the attacker's RSA or EC key, which the JWKS does not hold."""
    key = _attacker(draw, scene)
    return jws(header_of(key), compact_json(scene.payload()), signer_of(key))


@attack(
    "signature",
    Reach.ANYONE,
    fix="verify with the JWKS key the `kid` names: a known kid proves nothing",
)
def _untrusted_key_victim_kid(draw: st.DrawFn, scene: Scene) -> str:
    """A correct signature by an attacker key under the ``kid`` of a trusted key of its type."""
    key = _attacker(draw, scene)
    victim = scene.keys.trusted_ec if key.alg == "ES256" else pick(draw, scene.keys.trusted)
    return jws(header_of(key, kid=victim.kid), compact_json(scene.payload()), signer_of(key))


_UNKNOWN_KIDS = st.sampled_from(
    ["ins_harness_2025z", "", "INS_HARNESS_2026A", "ins_harness_2026a "]
) | st.from_regex(r"ins_[0-9A-Za-z]{8,24}", fullmatch=True)


@attack(
    "signature",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="refuse a `kid` the JWKS does not list, trying no other",
)
def _unknown_kid(draw: st.DrawFn, scene: Scene) -> str:
    """A trusted key's correct signature under a ``kid`` the JWKS does not list."""
    kid = draw(_UNKNOWN_KIDS)
    return jws(header_of(scene.key, kid=kid), compact_json(scene.payload()), signer_of(scene.key))


@attack(
    "signature",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="require a `kid` and verify with that JWKS key alone",
)
def _missing_kid(draw: st.DrawFn, scene: Scene) -> str:
    """A trusted key's correct signature with no ``kid`` (or a null one) in the header."""
    header = {k: v for k, v in header_of(scene.key).items() if k != "kid"}
    if draw(st.booleans()):
        header["kid"] = None
    return jws(header, compact_json(scene.payload()), signer_of(scene.key))


KID_INJECTIONS = (
    ("../../../../../../dev/null", b""),
    ("/dev/null", b""),
    ("x' UNION SELECT 'harness-secret' -- ", b"harness-secret"),
    ('0" OR "1"="1', b"harness-secret"),
)


@attack(
    "signature",
    Reach.ANYONE,
    fix="look `kid` up in the parsed JWKS only, never as a path, query or HMAC secret",
)
def _kid_injection(draw: st.DrawFn, scene: Scene) -> str:
    """HS256 keyed with what a ``kid`` lookup by path traversal (``/dev/null``: empty) or SQL
    injection (a chosen string) would return."""
    kid, secret = pick(draw, KID_INJECTIONS)
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    return jws(header, compact_json(scene.payload()), hmac_signer(secret, "HS256"))


def _embedded(scene: Scene, key: SigningKey, name: str, value: Any) -> str:
    header = header_of(key, **{name: value})
    return jws(header, compact_json(scene.payload()), signer_of(key))


@attack("signature", Reach.ANYONE, fix="ignore the `jwk` header: verify only with your JWKS's keys")
def _embedded_jwk(draw: st.DrawFn, scene: Scene) -> str:
    """Signed by the attacker, whose public key rides along in a ``jwk`` header."""
    key = _attacker(draw, scene)
    return _embedded(scene, key, "jwk", key.public_jwk())


@attack(
    "signature", Reach.ANYONE, fix="ignore `jku`: fetch keys only from your configured JWKS URL"
)
def _jku_url(draw: st.DrawFn, scene: Scene) -> str:
    """Signed by the attacker, with ``jku`` pointing at a JWKS the attacker serves."""
    url = pick(draw, ["https://attacker.example/.well-known/jwks.json", *_LOOKALIKES])
    return _embedded(scene, _attacker(draw, scene), "jku", url)


@attack("signature", Reach.ANYONE, fix="ignore `x5u`: never fetch a key from a URL the token names")
def _x5u_url(draw: st.DrawFn, scene: Scene) -> str:
    """Signed by the attacker, with ``x5u`` pointing at the attacker's certificate."""
    url = pick(draw, ["https://attacker.example/cert.pem", *_LOOKALIKES])
    return _embedded(scene, _attacker(draw, scene), "x5u", url)


_LOOKALIKES = (
    "https://harness-example.clerk.accounts.dev.attacker.example/.well-known/jwks.json",
    "https://attacker.example/harness-example.clerk.accounts.dev/.well-known/jwks.json",
)


@attack(
    "signature", Reach.ANYONE, fix="ignore `x5c`: never verify with a certificate the token carries"
)
def _x5c_chain(draw: st.DrawFn, scene: Scene) -> str:
    """Signed by the attacker, with the attacker's self-signed certificate in ``x5c``."""
    key = _attacker(draw, scene)
    return _embedded(scene, key, "x5c", [certificate_b64(key)])


def _another_user(draw: st.DrawFn, scene: Scene) -> str:
    """A user id other than the scene's ``sub`` (no filter: a strategy built per call)."""
    other = draw(clerk_ids("user"))
    return other if other != scene.claims.get("sub") else f"{other}0"


@attack(
    "signature",
    Reach.USER,
    fix="verify the signature over the received header.payload before reading a claim",
)
def _tampered_payload(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token whose payload had one claim changed — the user, or ``exp`` pushed years
    on — and was re-encoded, the signature kept."""
    header, _, signature = scene.valid().split(".")
    if draw(st.booleans()):
        other = _another_user(draw, scene)
        users = {name: other for name in ("sub", "user_id") if name in scene.claims}
        changed = scene.payload(**(users or {"sub": other}))
    else:
        changed = scene.payload(exp=scene.now + 10 * YEAR_S)
    return f"{header}.{b64url(compact_json(changed))}.{signature}"


@attack(
    "signature",
    Reach.USER,
    fix="verify the signature over the received header.payload text, header included",
)
def _tampered_header(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token whose header was changed after signing — ``kid`` moved to the other
    trusted key, or a field added — and re-encoded, the signature kept."""
    _, payload, signature = scene.valid().split(".")
    if draw(st.booleans()):
        header = header_of(scene.key, kid=scene.keys.trusted[1].kid)
    else:
        header = header_of(scene.key, cty="JWT")
    return f"{b64url(compact_json(header))}.{payload}.{signature}"


@attack(
    "signature",
    Reach.USER,
    Severity.LOW,
    fix="verify the segments verbatim; decode base64url strictly (no =, no +/)",
)
def _reencoded_segment(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token with its header or payload re-encoded — ``=`` padding, or the standard
    ``+``/``/`` alphabet — so the bytes decode the same but the signed text differs."""
    header_json = compact_json(header_of(scene.key))
    while len(header_json) % 3 == 0:  # keep room for padding: JSON may end in spaces
        header_json += b" "
    payload = compact_json(scene.payload())
    token = jws(header_json, payload, signer_of(scene.key))
    segments = token.split(".")
    variants = []
    for index in (0, 1):
        segment = segments[index]
        if len(segment) % 4:
            variants.append((index, segment + "=" * (-len(segment) % 4)))
        if "-" in segment or "_" in segment:
            variants.append((index, segment.replace("-", "+").replace("_", "/")))
    index, variant = pick(draw, variants)
    segments[index] = variant
    return ".".join(segments)


@attack(
    "signature", Reach.USER, fix="require a signature and verify it; never decode claims unverified"
)
def _signature_stripped(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token with its signature removed (the trailing dot kept)."""
    header, payload, _ = scene.valid().split(".")
    return f"{header}.{payload}."


@attack("signature", Reach.USER, fix="verify the whole signature; refuse a short one")
def _signature_truncated(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token whose signature lost its last bytes (1 up to all but one)."""
    header, payload, signature = scene.valid().split(".")
    raw = unb64url(signature)
    kept = draw(st.integers(1, len(raw) - 1))
    return f"{header}.{payload}.{b64url(raw[:kept])}"


@attack(
    "signature",
    Reach.USER,
    fix="verify each token's own signature over its own header.payload, uncached",
)
def _signature_swapped(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token carrying the trusted key's genuine signature of *another* token."""
    header, payload, _ = scene.valid().split(".")
    other = _another_user(draw, scene)
    donor = jws(
        header_of(scene.key), compact_json({**scene.payload(), "sub": other}), signer_of(scene.key)
    )
    return f"{header}.{payload}.{donor.rsplit('.', 1)[1]}"


_CRIT_NAMES = st.lists(
    st.sampled_from(["exp_unchecked", "https://attacker.example/ext", "urn:x:nosig"]),
    min_size=1,
    max_size=2,
    unique=True,
)


@attack(
    "signature",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="refuse a `crit` header naming an extension you do not implement",
)
def _unknown_crit(draw: st.DrawFn, scene: Scene) -> str:
    """Correctly signed, but ``crit`` names extensions no verifier here understands."""
    names = draw(_CRIT_NAMES)
    header = header_of(scene.key, crit=names, **{name: True for name in names})
    return jws(header, compact_json(scene.payload()), signer_of(scene.key))


@attack(
    "signature",
    Reach.ANYONE,
    fix="pin RS256, or use an ECDSA verifier refusing r or s of 0 (CVE-2022-21449)",
)
def _psychic_signature(draw: st.DrawFn, scene: Scene) -> str:
    """ES256 under the trusted EC key's ``kid`` with a degenerate signature: r = s = 0
    (CVE-2022-21449), or r or s 0 or the group order."""
    signature = fixed_width(*pick(draw, DEGENERATE_ECDSA))
    return jws(header_of(scene.keys.trusted_ec), compact_json(scene.payload()), lambda _: signature)


# --------------------------------------------------------------------------- time attacks


#: How far beyond the leeway a time attack goes: 1 s up to years. (Exactly at the edge is
#: ``exp_boundary``'s; absurd distances are the ``huge_*`` attacks': only the key holder can
#: mint them, and a user can replay a token that expired years ago.)
_BEYOND = st.sampled_from([1, 2, 59, 3599, 86_400, 10 * YEAR_S]) | st.integers(1, 30 * YEAR_S)


@attack("time", Reach.ISSUER, fix="require `exp` (PyJWT: options={'require': ['exp', 'iat']})")
def _missing_exp(draw: st.DrawFn, scene: Scene) -> str:
    """Correctly signed, with no ``exp`` (or a null one): a token that never expires."""
    return scene.valid(exp=None) if draw(st.booleans()) else _with_raw(scene, "exp", b"null")


@attack("time", Reach.USER, fix="refuse once now >= exp + leeway, reading the clock at every call")
def _expired(draw: st.DrawFn, scene: Scene) -> str:
    """``exp`` 1 s up to 30 years past the leeway's edge."""
    return scene.valid(exp=scene.now - scene.leeway - draw(_BEYOND))


@attack(
    "time",
    Reach.USER,
    Severity.LOW,
    fix="treat now == exp + leeway as expired (RFC 7519: valid only before exp)",
)
def _exp_boundary(draw: st.DrawFn, scene: Scene) -> str:
    """``exp`` exactly at the leeway's edge: ``now = exp + leeway`` (RFC 7519: no longer valid)."""
    return scene.valid(exp=scene.now - scene.leeway)


@attack("time", Reach.ISSUER, fix="check `nbf` when present: refuse while now < nbf - leeway")
def _not_yet_valid(draw: st.DrawFn, scene: Scene) -> str:
    """``nbf`` 1 s up to 30 years beyond the leeway in the future."""
    return scene.valid(nbf=scene.now + scene.leeway + draw(_BEYOND))


@attack("time", Reach.ISSUER, fix="refuse an `iat` later than now + leeway")
def _issued_in_future(draw: st.DrawFn, scene: Scene) -> str:
    """``iat`` 1 s up to 30 years beyond the leeway in the future."""
    return scene.valid(iat=scene.now + scene.leeway + draw(_BEYOND))


#: Values that are not NumericDates at all: strings, booleans, arrays, objects.
UNREADABLE_TIMES: tuple[bytes, ...] = (
    b'"9999999999"',
    b'"2099-01-01T00:00:00Z"',
    b'""',
    b"true",
    b"false",
    b"[9999999999]",
    b'{"$date":9999999999}',
)
#: Numbers beyond a double's range, or a date's (1e13 s: JavaScript's ``Date`` ends at 8.64e12
#: s), far in the past (for ``exp``) or the future (``nbf``, ``iat``): a correct comparison
#: rejects them; a conversion may overflow, or give NaN, which compares false to everything.
HUGE_PAST: tuple[bytes, ...] = (b"-1e400", str(-(10**400)).encode(), b"-1e300", b"-1e13")
HUGE_FUTURE: tuple[bytes, ...] = (b"1e400", str(10**400).encode(), b"1e300", b"1e13")


def _with_raw(scene: Scene, name: str, raw: bytes) -> str:
    """The valid token with claim ``name`` set to the raw JSON text ``raw``."""
    marker = "\x00harness-raw\x00"
    text = compact_json(scene.payload(**{name: marker}))
    payload = text.replace(json.dumps(marker).encode(), raw)
    return jws(header_of(scene.key), payload, signer_of(scene.key))


def _raw_time(name: str, kind: str, values: tuple[bytes, ...], doc: str) -> Build:
    def build(draw: st.DrawFn, scene: Scene) -> str:
        return _with_raw(scene, name, pick(draw, values))

    build.__name__ = f"{kind}_{name}"
    build.__doc__ = doc
    return build


for _name in ("exp", "nbf", "iat"):
    attack(
        "time", Reach.ISSUER, fix=f"refuse an `{_name}` that is not a JSON number; never skip it"
    )(
        _raw_time(
            _name, "unreadable", UNREADABLE_TIMES, f"``{_name}`` a string, bool, array or object."
        )
    )
attack("time", Reach.ISSUER, fix="compare `exp` as a finite number; refuse inf, NaN and overflow")(
    _raw_time(
        "exp",
        "huge",
        HUGE_PAST,
        "``exp`` a number beyond a double's or a date's range, in the past.",
    )
)
for _name in ("nbf", "iat"):
    attack(
        "time",
        Reach.ISSUER,
        fix=f"compare `{_name}` as a finite number; refuse inf, NaN and overflow",
    )(
        _raw_time(
            _name,
            "huge",
            HUGE_FUTURE,
            f"``{_name}`` a number beyond a double's or a date's range, ahead.",
        )
    )


# ----------------------------------------------------------------------- audience attacks


def _near_misses(value: str) -> list[str]:
    """Strings an equality check must tell from ``value``: a trailing slash, case, the other
    scheme, a port, a suffix or prefix domain, surrounding space."""
    scheme, _, rest = value.partition("://")
    other_scheme = "http" if scheme == "https" else "https"
    return [
        value + "/",
        value.upper(),
        value.title(),
        f"{other_scheme}://{rest}",
        f"{value}:443",
        f"{value}.attacker.example",
        f"{scheme}://attacker.{rest}",
        f" {value}",
        value[:-1],
    ]


@attack(
    "audience",
    Reach.USER,
    fix="with authorized parties configured, require `azp` and refuse a token without",
)
def _azp_missing(draw: st.DrawFn, scene: Scene) -> str:
    """No ``azp`` (or a null one), though authorized parties are configured."""
    return scene.valid(azp=None) if draw(st.booleans()) else _with_raw(scene, "azp", b"null")


@attack("audience", Reach.USER, fix="accept only an `azp` exactly equal to a listed party")
def _azp_unlisted(draw: st.DrawFn, scene: Scene) -> str:
    """An ``azp`` that is not listed: another origin, or a near miss of a listed one."""
    listed = pick(draw, scene.parties)
    if draw(st.booleans()):
        return scene.valid(azp=pick(draw, ["https://attacker.example", "https://localhost:3000"]))
    return scene.valid(azp=pick(draw, _near_misses(listed)))


@attack("audience", Reach.ISSUER, fix="refuse an `azp` that is not a string (a list, a number)")
def _azp_not_a_string(draw: st.DrawFn, scene: Scene) -> str:
    """``azp`` as a list holding a listed party, or another non-string."""
    listed = pick(draw, scene.parties)
    return scene.valid(azp=pick(draw, [[listed], {"azp": listed}, 1, True]))


@attack("audience", Reach.ISSUER, fix="require `iss` to equal the pinned issuer exactly, untrimmed")
def _iss_mismatch(draw: st.DrawFn, scene: Scene) -> str:
    """An ``iss`` other than the pinned issuer — a near miss, another Clerk instance, a
    non-string — or none at all."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return scene.valid(iss=pick(draw, _near_misses(scene.issuer)))
    if kind == 1:
        others = ["https://attacker.clerk.accounts.dev", "https://clerk.attacker.example", "", 1]
        return scene.valid(iss=pick(draw, others))
    return scene.valid(iss=None)


# ---------------------------------------------------------------------- malformed strings


def _resigned(scene: Scene, payload: bytes) -> str:
    """Raw ``payload`` bytes, correctly signed: the malformation survives verification."""
    return jws(header_of(scene.key), payload, signer_of(scene.key))


@attack("malformed", Reach.ANYONE, fix="accept exactly three dot-separated segments (compact JWS)")
def _segment_count(draw: st.DrawFn, scene: Scene) -> str:
    """0, 1, 2, 4 or 5 dot-separated segments cut from or added to a valid token."""
    header, payload, signature = scene.valid().split(".")
    return pick(
        draw,
        [
            "",
            header,
            f"{header}.{payload}",
            f"{header}.{payload}.{signature}.{signature}",
            f"{header}.{payload}.{signature}.{header}.{payload}",
            f"{header}.{payload}{signature}",
        ],
    )


@attack("malformed", Reach.ANYONE, fix="refuse an empty header, payload or signature segment")
def _empty_segment(draw: st.DrawFn, scene: Scene) -> str:
    """An empty header, an empty (correctly signed) payload, or nothing but dots."""
    _, payload, signature = scene.valid().split(".")
    empty_payload = _resigned(scene, b"")
    return pick(draw, [f".{payload}.{signature}", empty_payload, "..", "...."])


@attack(
    "malformed",
    Reach.USER,
    Severity.LOW,
    fix="decode base64url strictly: no padding, no +/, no stray bits",
)
def _bad_base64url(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token with a segment that is not strict base64url: ``=`` padding, the standard
    alphabet, a foreign character, or non-zero unused trailing bits."""
    segments = scene.valid().split(".")
    index = draw(st.integers(0, 2))
    segment = segments[index]
    variants = [spelled for _, spelled in base64url_misspellings(segment)]
    if index == 2:  # an RS256 signature (256 bytes) ends in a character with 4 unused bits
        variants.append(with_unused_bits(segment, draw(st.integers(1, 15))))
    segments[index] = pick(draw, variants)
    return ".".join(segments)


_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def base64url_misspellings(segment: str) -> list[tuple[str, str]]:
    """Each way ``bad_base64url`` misspells a segment, with what it did: ``=`` padding (even where
    none belongs), the standard alphabet (where the segment has ``-`` or ``_``), and a character
    no base64url decoder may read, in its middle."""
    spelled = [("= padding", segment + "=" * (4 - len(segment) % 4))]
    if "-" in segment or "_" in segment:
        spelled.append(("the standard alphabet", segment.replace("-", "+").replace("_", "/")))
    at = len(segment) // 2
    spelled += [
        (f"{char!r} inside", segment[:at] + char + segment[at:])
        for char in ("+", "/", "!", "%2E", "é", "*")
    ]
    return spelled


def with_unused_bits(segment: str, bits: int) -> str:
    """``segment`` — an RS256 signature, whose last character has 4 unused bits — with those
    bits set to ``bits`` (1 to 15): the same signature to a lax decoder."""
    return segment[:-1] + _BASE64URL[_BASE64URL.index(segment[-1]) | bits]


@attack(
    "malformed",
    Reach.USER,
    Severity.LOW,
    fix="refuse a token with any whitespace instead of stripping it",
)
def _whitespace(draw: st.DrawFn, scene: Scene) -> str:
    """A valid token with a space, tab, CR, LF or no-break space inside it."""
    token = scene.valid()
    at = pick(draw, _inside(token))
    return token[:at] + pick(draw, WHITESPACE) + token[at:]


#: What ``whitespace`` puts inside a token.
WHITESPACE = (" ", "\t", "\n", "\r\n", "\u00a0")


def _inside(token: str) -> list[int]:
    """Where ``whitespace`` puts it: at each end of the payload, at the signature's start, and
    in the middle."""
    return [token.index("."), token.index(".") + 1, token.rindex(".") + 1, len(token) // 2]


def whitespaced_tokens(token: str) -> list[tuple[str, str, str]]:
    """Every token ``whitespace`` may draw from ``token``, each as (attack, what it is, token):
    a lenient decoder may skip one character in one place only (a no-break space where a
    signature starts, say), which a seed's draws can miss."""
    return [
        ("whitespace", f"{char!r} at character {at}", token[:at] + char + token[at:])
        for at in _inside(token)
        for char in WHITESPACE
    ]


@attack(
    "malformed", Reach.ISSUER, Severity.MEDIUM, fix="refuse a header or payload that is not JSON"
)
def _not_json(draw: st.DrawFn, scene: Scene) -> str:
    """A correctly signed payload — or a header — that is not JSON."""
    text = pick(draw, list(NOT_JSON))
    if draw(st.booleans()):
        return _resigned(scene, text)
    return _as_header(scene, text)


#: What ``not_json`` puts where a JSON object belongs.
NOT_JSON = (b"{", b"sub=user_1&org_id=org_1", b"{'sub': 'user_1'}", b"NaN", b"\x00")


def _not_objects(scene: Scene) -> list[Any]:
    """What ``not_an_object`` puts where a JSON object belongs: JSON of every other kind."""
    return [[dict(scene.payload())], [], "user_1", 1, None, True]


def _as_header(scene: Scene, header: bytes) -> str:
    """The scene's payload, correctly signed, under the raw ``header`` bytes."""
    return jws(header, compact_json(scene.payload()), signer_of(scene.key))


#: A compact JWS's segments, by index.
SEGMENTS = ("header", "payload", "signature")


def misspelt_tokens(token: str) -> list[tuple[str, str, str]]:
    """Every token ``bad_base64url`` may draw from ``token``, each as (attack, what it is,
    token): each segment's misspellings (``base64url_misspellings``), and each value of the
    signature's unused bits."""
    segments = token.split(".")
    made = []
    for index, segment in enumerate(segments):
        spelled = base64url_misspellings(segment)
        if index == 2:
            spelled += [(f"unused bits {n}", with_unused_bits(segment, n)) for n in range(1, 16)]
        for what, variant in spelled:
            misspelt = ".".join([*segments[:index], variant, *segments[index + 1 :]])
            made.append(("bad_base64url", f"its {SEGMENTS[index]} with {what}", misspelt))
    return made


def unparsable_tokens(scene: Scene) -> list[tuple[str, str, str]]:
    """Every token ``not_json`` and ``not_an_object`` may draw, each as (attack, what it is,
    token): each text or value as the correctly signed payload, and as the header."""
    made = []
    for attack, raws in (
        ("not_json", list(NOT_JSON)),
        ("not_an_object", [compact_json(v) for v in _not_objects(scene)]),
    ):
        for raw in raws:
            made.append((attack, f"a payload {raw!r:.40}", _resigned(scene, raw)))
            made.append((attack, f"a header {raw!r:.40}", _as_header(scene, raw)))
    return made


@attack(
    "malformed",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="refuse a header or payload that is not a JSON object",
)
def _not_an_object(draw: st.DrawFn, scene: Scene) -> str:
    """A correctly signed payload — or a header — that is JSON but not an object."""
    value = pick(draw, _not_objects(scene))
    if draw(st.booleans()):
        return _resigned(scene, compact_json(value))
    return _as_header(scene, compact_json(value))


@attack(
    "malformed",
    Reach.ISSUER,
    Severity.LOW,
    fix="decode the payload as strict UTF-8 and refuse what is not",
)
def _non_utf8(draw: st.DrawFn, scene: Scene) -> str:
    """A correctly signed payload that is not UTF-8 (Latin-1, a lone surrogate, stray bytes)."""
    payload = compact_json(scene.payload())
    raw = pick(
        draw,
        [
            payload.replace(b"{", b'{"name":"Jos\xe9",', 1),
            payload.replace(b"{", b'{"name":"\xed\xa0\x80",', 1),
            payload + b"\xff",
            payload.decode().encode("utf-16"),
        ],
    )
    return _resigned(scene, raw)


@attack(
    "malformed",
    Reach.ISSUER,
    Severity.MEDIUM,
    fix="bound the JSON depth, or catch RecursionError as Unauthorized",
)
def _deeply_nested(draw: st.DrawFn, scene: Scene) -> str:
    """A correctly signed payload nesting arrays or objects over a thousand deep (yet not
    huge): past any sane depth limit, and past the interpreter's recursion limit *as it is now*
    — Hypothesis raises it during tests, and a parser that relies on it must still fail."""
    depth = max(1_000, sys.getrecursionlimit()) + draw(st.integers(100, 300))
    # Arrays, or objects and arrays in turn (``{"a":[`` … ``]}``: two levels in eight bytes).
    opening, closing, per = pick(draw, [(b"[", b"]", 1), (b'{"a":[', b"]}", 2)])
    nested = opening * (depth // per + 1) + b"1" + closing * (depth // per + 1)
    payload = compact_json(scene.payload())[:-1] + b',"deep":' + nested + b"}"
    return _resigned(scene, payload)


@attack(
    "malformed",
    Reach.ISSUER,
    Severity.LOW,
    fix="refuse a token over a size limit (e.g. 8 KiB) before parsing it",
)
def _huge(draw: st.DrawFn, scene: Scene) -> str:
    """A correctly signed, otherwise valid token of just over a megabyte (its padding claim
    alone is a mebibyte: larger only costs more to build, sign and refuse)."""
    # The padding claim comes first, so the signing input's first mebibyte is the same every
    # time: its SHA-256 state is computed once per key, and only the rest is hashed and encoded.
    header_and_pad, state = _huge_prefix(scene.key)
    tail = b64url(b'",' + compact_json(scene.payload())[1:])
    digest = state.copy()
    digest.update(tail.encode("ascii"))
    signature = _sign_digest(scene.key, digest.digest())
    return f"{header_and_pad}{tail}.{b64url(signature)}"


@functools.cache
def _huge_prefix(key: SigningKey) -> tuple[str, Any]:
    """``b64url(header).b64url('{"pad":"xxx…')`` for ``key`` (the padded JSON a multiple of
    three bytes long, so its base64url ends on a boundary), and its SHA-256 state."""
    opening = b'{"pad":"'
    pad = _PAD[: len(_PAD) - (len(opening) + len(_PAD)) % 3]
    prefix = f"{b64url(compact_json(header_of(key)))}.{b64url(opening + pad)}"
    return prefix, hashlib.sha256(prefix.encode("ascii"))


def _sign_digest(key: SigningKey, digest: bytes) -> bytes:
    """``key``'s JWS signature of the input whose SHA-256 is ``digest``."""
    private, prehashed = key.private_key, Prehashed(hashes.SHA256())
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return fixed_width(*decode_dss_signature(private.sign(digest, ec.ECDSA(prehashed))))
    return private.sign(digest, padding.PKCS1v15(), prehashed)


# ---------------------------------------------------------------------------- strategies

ATTACK_NAMES: tuple[str, ...] = tuple(ATTACKS)
SIGNATURE_ATTACKS = tuple(a.name for a in ATTACKS.values() if a.family == "signature")
TIME_ATTACKS = tuple(a.name for a in ATTACKS.values() if a.family == "time")
AUDIENCE_ATTACKS = tuple(a.name for a in ATTACKS.values() if a.family == "audience")
MALFORMED_ATTACKS = tuple(a.name for a in ATTACKS.values() if a.family == "malformed")


def _check_scene(
    keys: SigningKeys, claims: Mapping[str, Any], leeway: float, parties: tuple[str, ...]
) -> None:
    check_type("keys", keys, SigningKeys)
    check_type("claims", claims, Mapping)
    check_type("leeway", leeway, (int, float))
    if leeway < 0 or leeway != int(leeway):
        raise InvalidArgument(f"leeway={leeway!r} must be a whole number of seconds, >= 0")
    if not parties:
        raise InvalidArgument("parties must name at least one authorized party")


def token_attacks(
    keys: SigningKeys,
    claims: Mapping[str, Any],
    *,
    attacks: tuple[str, ...] = ATTACK_NAMES,
    now: float | None = None,
    leeway: float = 5,
    parties: tuple[str, ...] = AUTHORIZED_PARTIES,
    issuer: str = ISSUER,
) -> st.SearchStrategy[AttackToken]:
    """``(attack_name, token)`` pairs: a valid session with ``claims`` (no times), attacked.

    ``attacks`` names which (``ATTACKS`` documents each; ``SIGNATURE_ATTACKS``,
    ``TIME_ATTACKS``, ``AUDIENCE_ATTACKS`` and ``MALFORMED_ATTACKS`` are the families). Times
    are set around ``now`` (default: the clock when drawn) for a verifier with ``leeway``
    seconds; the session carries ``azp`` ``parties[0]`` and ``iss`` ``issuer``. Every token is
    one a verifier configured with the JWKS of ``keys``, ``leeway``, ``parties`` and ``issuer``
    must reject.

    >>> token_attacks(signing_keys(), {"sub": "user_1", "org_id": "org_1"},
    ...               attacks=("psychic_signature",)).example()  # doctest: +SKIP
    ('psychic_signature', 'eyJhbGciOiJFUzI1NiIsImtpZCI6Imluc19oYXJuZXNzX2VjIiwidHlwIjoiSldUIn0...')
    """
    _check_scene(keys, claims, leeway, parties)
    for name in attacks:
        check_choice("attack", name, ATTACK_NAMES)
    return _scenes(keys, claims, now, leeway, parties, issuer).flatmap(
        lambda scene: _attack_tokens(scene, attacks)
    )


def _scenes(
    keys: SigningKeys,
    claims: Mapping[str, Any],
    now: float | None,
    leeway: float,
    parties: tuple[str, ...],
    issuer: str,
) -> st.SearchStrategy[Scene]:
    """The scene, its ``now`` read when drawn unless given."""

    def build() -> Scene:
        instant = int(time.time() if now is None else now)
        return Scene(keys, claims, instant, int(leeway), parties, issuer)

    return st.builds(build)


@st.composite
def _attack_tokens(draw: st.DrawFn, scene: Scene, attacks: tuple[str, ...]) -> AttackToken:
    name = pick(draw, attacks)
    return name, ATTACKS[name].build(draw, scene)


TIMELY_CASES = ("fresh", "exp_inside_leeway", "nbf_at_leeway", "iat_at_leeway", "no_nbf", "edges")


def timely_tokens(
    keys: SigningKeys,
    claims: Mapping[str, Any],
    *,
    cases: tuple[str, ...] = TIMELY_CASES,
    now: float | None = None,
    leeway: float = 5,
    parties: tuple[str, ...] = AUTHORIZED_PARTIES,
    issuer: str = ISSUER,
) -> st.SearchStrategy[AttackToken]:
    """``(case, token)`` pairs the same verifier must *accept*: times valid only thanks to the
    leeway — ``exp`` up to ``leeway`` seconds past, ``nbf``/``iat`` up to ``leeway`` ahead,
    exactly at the edges — or plainly fresh, or without ``nbf``. The other half of the
    temporal attacks: a verifier that rejects these ignores its leeway. ``cases`` picks which
    of ``TIMELY_CASES``."""
    _check_scene(keys, claims, leeway, parties)
    for case in cases:
        check_choice("case", case, TIMELY_CASES)
    return _scenes(keys, claims, now, leeway, parties, issuer).flatmap(
        lambda scene: _timely(scene, cases)
    )


@st.composite
def _timely(draw: st.DrawFn, scene: Scene, cases: tuple[str, ...]) -> AttackToken:
    case = pick(draw, cases)
    return case, timely_token(draw, scene, case)


def timely_token(draw: st.DrawFn, scene: Scene, case: str) -> str:
    """The ``case`` of ``TIMELY_CASES`` for ``scene``, from ``draw`` (as an attack's ``build``
    is called: inside a composite strategy, many tokens take one draw)."""
    now, leeway = scene.now, scene.leeway
    within = st.integers(0, leeway)
    if case == "exp_inside_leeway":
        return scene.valid(exp=now - leeway + 1 + draw(within))
    if case == "nbf_at_leeway":
        return scene.valid(nbf=now + leeway - draw(within))
    if case == "iat_at_leeway":
        return scene.valid(iat=now + leeway - draw(within))
    if case == "no_nbf":
        return scene.valid(nbf=None)
    if case == "edges":
        return scene.valid(exp=now - leeway + 1, nbf=now + leeway, iat=now + leeway)
    return scene.valid()
