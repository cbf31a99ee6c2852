"""A hand-written verifier that dispatches on the header's ``alg`` and passes it the key it
keeps for ``kid`` — the PEM text of the public key. Sent ``HS256``, it computes an HMAC keyed
with that public PEM, which anyone can download from the JWKS: algorithm confusion
(CVE-2015-9235 in jsonwebtoken, CVE-2022-29217 in PyJWT). PyJWT itself refuses to use a PEM
public key as an HMAC secret — which is exactly why hand-rolled verifiers are dangerous."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import (
    check_audience,
    check_session_class,
    check_times,
    compact_segments,
    parse_json_object,
    read_header,
)

VIOLATES = frozenset(
    {
        "TOKEN-SIGNATURE/hmac-public-key",  # the EC key's PEM, and the RSA key's as others hold it
        "TOKEN-SIGNATURE/hmac-held-key",  # the RSA key's PEM: the bytes a deployment holds
    }
)

HMACS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def pem_of(jwk: dict[str, object]) -> bytes:
    """The PEM the verifier keeps per kid (what a config file or key server holds)."""
    key = jwt.PyJWK(jwk).key
    return key.public_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verify(alg: object, pem: bytes, signing_input: bytes, signature: bytes) -> bool:
    """The signature check, by the book of whoever wrote it: the header says how."""
    if alg in HMACS:
        expected = hmac.new(pem, signing_input, HMACS[alg]).digest()
        return hmac.compare_digest(expected, signature)
    public_key = serialization.load_pem_public_key(pem)
    try:
        if alg == "RS256" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return True
        if alg == "ES256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            public_key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


class Hs256PublicKey(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.pems = {jwk["kid"]: pem_of(dict(jwk)) for jwk in settings.jwks.get("keys", ())}

    def authenticate_token(self, token: str) -> Principal:
        raw_header, raw_payload, signature = compact_segments(token)
        header = parse_json_object(raw_header, "header")
        kid = header.get("kid")
        pem = self.pems.get(kid) if isinstance(kid, str) else None
        if pem is None:
            raise Unauthorized("unknown_kid", f"kid {header.get('kid')!r}")
        signing_input = token.rsplit(".", 1)[0].encode("ascii")
        if not verify(header.get("alg"), pem, signing_input, signature):
            raise Unauthorized("bad_signature", "signature verification failed")
        claims = parse_json_object(raw_payload)
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), self.settings.leeway_s)
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> Hs256PublicKey:
    return Hs256PublicKey(settings)
