"""Token verification: a compact JWS signed by a key of the configured JWKS, then its times.

The token is decoded once, strictly; PyJWT's algorithm objects (with ``cryptography``) check
the signature against the one key named by ``kid``; the registered claims are checked here,
by small pure functions, so each rejection has an exact ``reason``.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .contract import Settings
from .errors import Unauthorized
from .keys import held_key

_B64URL = re.compile("[A-Za-z0-9_-]*")
#: Longer tokens are refused unread: a session token is a few hundred bytes; a cookie holds 4 KiB.
MAX_TOKEN_CHARS = 16 * 1024
#: Deeper JSON is refused: session claims nest two or three levels.
MAX_JSON_DEPTH = 32


class KeySet:
    """The configured JWKS, parsed once: ``kid`` → ``PyJWK`` (which binds the key's algorithm).
    A key the deployment also holds as text (``held``, ``Settings.jwt_key``) is read from that
    text, in whatever form it came (``reference.keys``): never as an HMAC secret."""

    def __init__(self, jwks: Mapping[str, Any], held: str | None = None) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        for jwk in jwks.get("keys", ()):
            kid = jwk.get("kid")
            if isinstance(kid, str) and kid:
                self._keys[kid] = _parsed_jwk(json.dumps(jwk, sort_keys=True))
        if held is not None:
            kid, key = _held_jwk(held, json.dumps(jwks, sort_keys=True))
            self._keys[kid] = key

    def get(self, kid: object) -> jwt.PyJWK | None:
        """The key for ``kid``, or ``None``."""
        return self._keys.get(kid) if isinstance(kid, str) else None


@functools.lru_cache(maxsize=64)
def _parsed_jwk(jwk_json: str) -> jwt.PyJWK:
    """One JWK, parsed once per process: every instance of a deployment shares its keys."""
    return jwt.PyJWK(json.loads(jwk_json))


@functools.lru_cache(maxsize=64)
def _held_jwk(text: str, jwks_json: str) -> tuple[str, jwt.PyJWK]:
    """The held key, read from its text, under the ``kid`` the JWKS publishes it with (with
    the JWKS's ``alg`` for it): ``KeyFormError`` when the text is no key of that JWKS."""
    jwks = json.loads(jwks_json)
    kid, key = held_key(text, jwks)
    published = next(jwk for jwk in jwks["keys"] if jwk.get("kid") == kid)
    if isinstance(key, ec.EllipticCurvePublicKey):
        fields = ECAlgorithm.to_jwk(key, as_dict=True)
    else:
        fields = RSAAlgorithm.to_jwk(key, as_dict=True)
    jwk = {**fields, "kid": kid}
    if "alg" in published:
        jwk["alg"] = published["alg"]
    return kid, jwt.PyJWK(jwk)


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-standard JSON constant {name}")


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))


def nests_deeper(raw: bytes, depth: int) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects deeper than ``depth``, read
    without parsing it: ``json.loads`` recurses, to the interpreter's limit on a hostile
    payload, and whatever runs meanwhile (a finalizer) finds no stack left."""
    if raw.count(b"[") + raw.count(b"{") <= depth:
        return False
    level = 0
    for bracket in _JSON_STRING.sub(b'""', raw).translate(None, _NOT_BRACKET):
        level += 1 if bracket in b"[{" else -1
        if level > depth:
            return True
    return False


def parse_json_object(raw: bytes, part: str = "payload") -> dict[str, Any]:
    """Strict JSON → dict: UTF-8, no ``NaN``/``Infinity``, an object at the top, nesting at
    most ``MAX_JSON_DEPTH`` deep (whatever the interpreter's recursion limit)."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Unauthorized("malformed", f"{part} is not JSON") from exc
    if not isinstance(value, dict):
        raise Unauthorized("malformed", f"{part} is not a JSON object")
    if json_depth(value) > MAX_JSON_DEPTH:
        raise Unauthorized("malformed", f"{part} nests deeper than {MAX_JSON_DEPTH}")
    return value


def b64url_encode(raw: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2): the one encoder the harness uses.

    >>> b64url_encode(b'{"alg":"none"}')
    'eyJhbGciOiJub25lIn0'
    """
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Strict, canonical unpadded base64url (RFC 7515 §2): the URL-safe alphabet only, no
    ``=``, and no stray bits — one string per byte sequence, so a token cannot be re-spelt."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise Unauthorized("malformed", "a segment is not base64url")
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if b64url_encode(raw) != segment:
        raise Unauthorized("malformed", "a segment is not canonical base64url")
    return raw


def compact_segments(token: str) -> tuple[bytes, bytes, bytes]:
    """The three decoded segments of a compact JWS no longer than ``MAX_TOKEN_CHARS``."""
    if not isinstance(token, str):
        raise Unauthorized("malformed", "a token is a string")
    if len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized("too_large", f"longer than {MAX_TOKEN_CHARS} characters")
    if token.count(".") != 2:
        raise Unauthorized("malformed", "not a compact JWS (three segments)")
    return _decoded(token)


@functools.lru_cache(maxsize=256)
def _decoded(token: str) -> tuple[bytes, bytes, bytes]:
    """A token's segments, decoded once: its header is read before its signature is checked."""
    header, payload, signature = (b64url_decode(segment) for segment in token.split("."))
    return header, payload, signature


def read_header(token: str) -> dict[str, Any]:
    """The unverified JOSE header of a well-formed compact JWS."""
    return parse_json_object(compact_segments(token)[0], "header")


def verify_signature(token: str, keys: KeySet, algorithms: tuple[str, ...]) -> dict[str, Any]:
    """Verify the signature with the JWKS key named by ``kid``; return the payload claims.

    The token is decoded once, strictly (``compact_segments``); PyJWT's algorithm for the key
    — bound to the key, and to be the header's ``alg`` — checks the signature."""
    header_raw, payload_raw, signature = compact_segments(token)
    header = parse_json_object(header_raw, "header")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise Unauthorized("alg_not_allowed", f"alg {alg!r} is not in {algorithms}")
    if "crit" in header:
        raise Unauthorized("unknown_crit", f"unsupported critical extensions {header['crit']!r}")
    if header.get("kid") is None:
        raise Unauthorized("missing_kid", "the header names no key")
    key = keys.get(header["kid"])
    if key is None:
        raise Unauthorized("unknown_kid", f"kid {header['kid']!r} is not in the JWKS")
    if key.algorithm_name != alg:
        raise Unauthorized("alg_not_allowed", f"kid names a {key.algorithm_name} key, not {alg}")
    signing_input = token.rpartition(".")[0].encode("ascii")
    try:
        valid = key.Algorithm.verify(signing_input, key.key, signature)
    except (ValueError, TypeError) as exc:
        raise Unauthorized("malformed", f"unverifiable signature: {exc}") from exc
    if not valid:
        raise Unauthorized("bad_signature", "signature verification failed")
    return parse_json_object(payload_raw)


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


#: The registered times every session token must carry.
REQUIRED_TIMES = ("exp", "iat")


def check_times(
    claims: Mapping[str, Any],
    now: float,
    leeway: float,
    *,
    required: tuple[str, ...] = REQUIRED_TIMES,
) -> None:
    """``exp``, ``nbf`` and ``iat`` checked with ``leeway`` seconds; those in ``required`` must
    be present."""
    times = {
        name: required_date(claims, name) if name in required else numeric_date(claims, name)
        for name in ("exp", "nbf", "iat")
    }
    exp, nbf, iat = times["exp"], times["nbf"], times["iat"]
    if exp is not None and exp <= now - leeway:
        raise Unauthorized("expired", f"expired at {exp}, now {now}")
    if nbf is not None and nbf > now + leeway:
        raise Unauthorized("not_yet_valid", f"not before {nbf}, now {now}")
    if iat is not None and iat > now + leeway:
        raise Unauthorized("issued_in_future", f"issued at {iat}, now {now}")


def check_audience(claims: Mapping[str, Any], settings: Settings) -> None:
    """``azp`` must be listed when authorized parties are set; ``iss`` must match when pinned."""
    if settings.authorized_parties and claims.get("azp") not in settings.authorized_parties:
        raise Unauthorized("bad_azp", f"azp {claims.get('azp')!r} is not authorized")
    if settings.issuer is not None and claims.get("iss") != settings.issuer:
        raise Unauthorized("bad_iss", f"iss {claims.get('iss')!r} is not {settings.issuer!r}")


#: The JOSE header category Clerk stamps on M2M JWTs; RFC 9068's types of OAuth access tokens.
M2M_JWT_CATEGORY = "cl_B7d4PD333AAA"
OAUTH_ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


def check_session_class(header: Mapping[str, Any], claims: Mapping[str, Any]) -> None:
    """The JWT is a session token, not one the same key signs for a machine: no M2M category,
    no OAuth access-token type, no machine (``mch_``) subject."""
    typ = header.get("typ")
    if isinstance(typ, str) and typ.lower() in OAUTH_ACCESS_TOKEN_TYPES:
        raise Unauthorized("not_a_session_token", f"an OAuth access token (typ {typ!r})")
    if header.get("cat") == M2M_JWT_CATEGORY:
        raise Unauthorized("not_a_session_token", "an M2M token (its header's cat)")
    sub = claims.get("sub")
    if isinstance(sub, str) and sub.startswith("mch_"):
        raise Unauthorized("not_a_session_token", f"a machine's token (sub {sub!r})")


def verify_token(
    token: str, keys: KeySet, settings: Settings, *, required: tuple[str, ...] = REQUIRED_TIMES
) -> dict[str, Any]:
    """Verify signature, token class, times (those in ``required`` present) and audience;
    return the claims."""
    claims = verify_signature(token, keys, settings.algorithms)
    check_session_class(read_header(token), claims)
    check_times(claims, time.time(), settings.leeway_s, required=required)
    check_audience(claims, settings)
    return claims
