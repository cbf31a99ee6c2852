"""The public key a deployment holds as text (``Settings.jwt_key``), read in every form a
deployment keeps it in — and only ever as a public key: a verifier that cannot tell a public
key from an HMAC secret by its text is how algorithm confusion gets in (CVE-2022-29217,
CVE-2023-48223, CVE-2024-37568)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class KeyFormError(ValueError):
    """``Settings.jwt_key`` is not a public key in a form a deployment holds one in, or not a
    key of the JWKS it is configured with."""


def load_public_key(text: str) -> PublicKey:
    """The RSA or EC public key ``text`` holds: SPKI or PKCS#1 PEM, an X.509 certificate (PEM),
    an OpenSSH line or a JWK — surrounding whitespace and CRLF line ends forgiven, as the
    stores that hand them over add them. Anything else: ``KeyFormError``."""
    body = text.replace("\r\n", "\n").strip()
    try:
        key = _loaded(body)
    except (ValueError, TypeError, KeyError, jwt.InvalidKeyError) as exc:
        raise KeyFormError(f"not a public key in a known form: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise KeyFormError(f"not an RSA or EC public key: {type(key).__name__}")
    return key


def _loaded(body: str) -> Any:
    if body.startswith("{"):
        jwk = json.loads(body)
        if not isinstance(jwk, Mapping) or "d" in jwk:
            raise ValueError("a JWK holding a public key, not a private one")
        loader = ECAlgorithm if jwk.get("kty") == "EC" else RSAAlgorithm
        return loader.from_jwk(json.dumps(jwk))
    if body.startswith("-----BEGIN CERTIFICATE-----"):
        return x509.load_pem_x509_certificate(body.encode("ascii")).public_key()
    if body.startswith("-----BEGIN RSA PUBLIC KEY-----"):
        return serialization.load_pem_public_key(body.encode("ascii"))
    if body.startswith("-----BEGIN PUBLIC KEY-----"):
        return serialization.load_pem_public_key(body.encode("ascii"))
    if body.startswith(("ssh-rsa ", "ecdsa-sha2-nistp256 ")):
        return serialization.load_ssh_public_key(body.encode("ascii"))
    raise ValueError("neither a PEM, a certificate, an OpenSSH line nor a JWK")


def same_key(key: PublicKey, jwk: Mapping[str, Any]) -> bool:
    """Whether ``jwk`` publishes ``key``."""
    try:
        loader = ECAlgorithm if jwk.get("kty") == "EC" else RSAAlgorithm
        published = loader.from_jwk(json.dumps(dict(jwk)))
    except (ValueError, TypeError, KeyError, jwt.InvalidKeyError):
        return False
    return bool(published.public_numbers() == key.public_numbers())  # type: ignore[union-attr]


def held_key(text: str, jwks: Mapping[str, Any]) -> tuple[str, PublicKey]:
    """The key ``text`` holds, and the ``kid`` under which ``jwks`` publishes it
    (``KeyFormError`` when it publishes it under none: the deployment would hold a key its JWKS
    does not)."""
    key = load_public_key(text)
    for jwk in jwks.get("keys", ()):
        kid = jwk.get("kid")
        if isinstance(kid, str) and same_key(key, jwk):
            return kid, key
    raise KeyFormError("the held key is not a key of the JWKS")
