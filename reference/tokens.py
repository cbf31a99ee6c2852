"""Token verification: a compact JWS signed by a key of the configured JWKS, then its times.

PyJWT (with ``cryptography``) checks the signature against the one key named by ``kid``;
the registered claims are checked here, by small pure functions, so each rejection has an
exact ``reason``.
"""

from __future__ import annotations

import base64
import json
import math
import string
import time
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.api_jws import PyJWS

from .contract import Settings
from .errors import Unauthorized

_JWS = PyJWS()
_B64URL = frozenset(string.ascii_letters + string.digits + "-_")


class KeySet:
    """The configured JWKS, parsed once: ``kid`` → ``PyJWK`` (which binds the key's algorithm)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        for jwk in jwks.get("keys", ()):
            kid = jwk.get("kid")
            if isinstance(kid, str) and kid:
                self._keys[kid] = jwt.PyJWK(dict(jwk))

    def get(self, kid: object) -> jwt.PyJWK | None:
        """The key for ``kid``, or ``None``."""
        return self._keys.get(kid) if isinstance(kid, str) else None


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_json_object(raw: bytes, part: str = "payload") -> dict[str, Any]:
    """Strict JSON → dict: UTF-8, no ``NaN``/``Infinity``, an object at the top."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Unauthorized("malformed", f"{part} is not JSON") from exc
    if not isinstance(value, dict):
        raise Unauthorized("malformed", f"{part} is not a JSON object")
    return value


def b64url_decode(segment: str) -> bytes:
    """Strict unpadded base64url (RFC 7515 §2): only the URL-safe alphabet, no ``=``."""
    if not set(segment) <= _B64URL or len(segment) % 4 == 1:
        raise Unauthorized("malformed", "a segment is not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def read_header(token: str) -> dict[str, Any]:
    """The unverified JOSE header of a three-segment compact JWS."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise Unauthorized("malformed", "not a compact JWS (three segments)")
    return parse_json_object(b64url_decode(token.split(".", 1)[0]), "header")


def verify_signature(token: str, keys: KeySet, algorithms: tuple[str, ...]) -> dict[str, Any]:
    """Verify the signature with the JWKS key named by ``kid``; return the payload claims."""
    header = read_header(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise Unauthorized("alg_not_allowed", f"alg {alg!r} is not in {algorithms}")
    if "crit" in header:
        raise Unauthorized("unknown_crit", f"unsupported critical extensions {header['crit']!r}")
    if "kid" not in header:
        raise Unauthorized("missing_kid", "the header names no key")
    key = keys.get(header["kid"])
    if key is None:
        raise Unauthorized("unknown_kid", f"kid {header['kid']!r} is not in the JWKS")
    try:
        verified = _JWS.decode_complete(token, key=key, algorithms=[alg])
    except jwt.InvalidSignatureError as exc:
        raise Unauthorized("bad_signature", "signature verification failed") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise Unauthorized("alg_not_allowed", str(exc)) from exc
    except (jwt.InvalidTokenError, jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized("malformed", str(exc)) from exc
    return parse_json_object(verified["payload"])


def numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim: a finite JSON number (not a bool); ``None`` when absent."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"malformed_{name}", f"{name} must be a number")
    try:
        seconds = float(value)  # an integer beyond float range overflows
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise Unauthorized(f"malformed_{name}", f"{name} must be a finite number")
    return seconds


def required_date(claims: Mapping[str, Any], name: str) -> float:
    """A NumericDate claim that must be present."""
    seconds = numeric_date(claims, name)
    if seconds is None:
        raise Unauthorized(f"missing_{name}", f"{name} is required")
    return seconds


def check_times(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    """``exp`` and ``iat`` required, ``nbf`` optional; each checked with ``leeway`` seconds."""
    exp, iat = required_date(claims, "exp"), required_date(claims, "iat")
    nbf = numeric_date(claims, "nbf")
    if exp <= now - leeway:
        raise Unauthorized("expired", f"expired at {exp}, now {now}")
    if nbf is not None and nbf > now + leeway:
        raise Unauthorized("not_yet_valid", f"not before {nbf}, now {now}")
    if iat > now + leeway:
        raise Unauthorized("issued_in_future", f"issued at {iat}, now {now}")


def check_audience(claims: Mapping[str, Any], settings: Settings) -> None:
    """``azp`` must be listed when authorized parties are set; ``iss`` must match when pinned."""
    if settings.authorized_parties and claims.get("azp") not in settings.authorized_parties:
        raise Unauthorized("bad_azp", f"azp {claims.get('azp')!r} is not authorized")
    if settings.issuer is not None and claims.get("iss") != settings.issuer:
        raise Unauthorized("bad_iss", f"iss {claims.get('iss')!r} is not {settings.issuer!r}")


def verify_token(token: str, keys: KeySet, settings: Settings) -> dict[str, Any]:
    """Verify signature, times and audience; return the claims."""
    claims = verify_signature(token, keys, settings.algorithms)
    check_times(claims, time.time(), settings.leeway_s)
    check_audience(claims, settings)
    return claims
