"""Keys, claims and request builders the ``test_reference_*`` modules share: real RSA keys
(generated once, at import), real JWS from PyJWT, a real JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from reference import AuthError, ReferenceAuthenticator, Request, Settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "ins_unit_a"
ORG = "org_trusted"
T0 = datetime(2026, 6, 29, 10, 18, tzinfo=UTC)  # where every frozen clock starts
CALLBACK = "/auth/clerk/callback"
FORM = "application/x-www-form-urlencoded"


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


JWKS = {"keys": [public_jwk(KEY, KID)]}


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


def hs256_with_public_key() -> str:
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
