"""A second, deliberately different — but correct — implementation of the contract (the
README's invariants).

It exists so the conformance suite can be checked against something other than the reference:
an invariant that fails here encodes one of the reference's incidental choices, not the table.
It shares nothing with the reference except the contract types and errors, and where §4 leaves
room it makes the *other* permitted choice:

* roles: unknown, malformed or missing role claims mean VIEWER; disagreeing role claims are not
  rejected, the least privileged one wins (so any guest caps at GUEST, and ADMIN needs every
  role claim to say admin);
* a token for another org is ``Unauthorized("org_mismatch")``, not ``InvalidClaims``;
* a non-string ``sid`` is ignored (``session_id`` is ``""``), a non-string ``sts`` is inactive;
* the cache key is an injective *string* (``json.dumps([org_id, external_id])``) and the cache
  holds whole principals, role included, for ``cache_ttl_s`` (CACHE-FRESH allows that much
  staleness); user and org always come from the current token, ``session_id`` from its ``sid``;
* internal user ids are random ``uuid4`` hex strings from its own store, which starts with the
  deployment's linked ``existing_users`` (a new id is never one an existing user holds);
* requests: where several ``Authorization: Bearer`` headers, ``__session`` cookies or
  ``clerk_session_token`` fields exist, the first one wins instead of a rejection; the body is
  parsed with ``urllib.parse.parse_qsl``; cookie values may be double-quoted;
* tokens: ``jwt.decode`` with the key the header's ``kid`` names, then exact (float) time checks;
  a deployment with a JWKS endpoint (``jwks_source``) fetches it again once ``jwks_ttl_s`` old;
* every public method is wrapped by a fail-closed guard, so no stray exception can escape.

Use it as a SUT: ``--sut tests.impls.alternative_impl:make``.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import jwt

from reference import (
    AuthError,
    InvalidClaims,
    LocalUser,
    Principal,
    Request,
    Role,
    Settings,
    Unauthorized,
)

__all__ = ["AlternativeAuthenticator", "make"]

#: Privilege order, kept locally (the contract's ``Role`` ordering is not relied on).
_PRIVILEGE = {Role.GUEST: 0, Role.VIEWER: 1, Role.ADMIN: 2}
_ROLE_WORDS = {"admin": Role.ADMIN, "member": Role.VIEWER, "guest": Role.GUEST}
_DEFAULT_ROLE = Role.VIEWER

#: Three non-empty base64url segments (trailing padding tolerated): the shape of a session JWT.
_JWS_SHAPE = re.compile(r"[A-Za-z0-9_-]+={0,2}(?:\.[A-Za-z0-9_-]+={0,2}){2}")
_MAX_TOKEN_CHARS = 64 * 1024
#: One strict base64url segment: URL-safe alphabet, no padding (its length is checked apart).
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_MAX_DEPTH = 20
_FORM = "application/x-www-form-urlencoded"
_RELAY_FIELD = "clerk_session_token"
_COOKIE = "__session"
_PURGE_ABOVE = 4096

#: Exceptions a malformed input could provoke anywhere below; the guard turns them into
#: ``AuthError``s so that no method ever raises anything else (TOTAL).
_STRAY = (
    TypeError,
    ValueError,  # includes UnicodeError
    LookupError,  # KeyError, IndexError
    AttributeError,
    RecursionError,
    ArithmeticError,  # OverflowError
    jwt.PyJWTError,
)

F = TypeVar("F", bound=Callable[..., Principal])


def _fail_closed(error: type[AuthError]) -> Callable[[F], F]:
    """Turn any stray exception of the wrapped method into ``error("internal")``."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> Principal:
            try:
                return method(*args, **kwargs)
            except AuthError:
                raise
            except _STRAY as exc:
                raise error("internal", f"{type(exc).__name__} while authenticating") from exc

        return guarded  # type: ignore[return-value]

    return decorate


# --------------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class _Subject:
    org_id: str
    external_id: str


def _is_id(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _present(**claims: object) -> dict[str, object]:
    """The claims given that are present (not absent, not JSON null)."""
    return {name: value for name, value in claims.items() if value is not None}


def _one_id(found: dict[str, object], what: str) -> str:
    """The single identifier all present ``found`` claims agree on, else ``InvalidClaims``."""
    for name, value in found.items():
        if not _is_id(value):
            raise InvalidClaims(f"unusable_{what}", f"claim {name} is not a non-empty string")
    distinct = {value for value in found.values() if isinstance(value, str)}
    if not distinct:
        raise InvalidClaims(f"no_{what}", f"the claims name no {what}")
    if len(distinct) > 1:
        raise InvalidClaims(f"ambiguous_{what}", f"the claims name {len(distinct)} {what}s")
    return distinct.pop()


def _nested(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    o = claims.get("o")
    if o is None:
        return {}
    if not isinstance(o, Mapping):
        raise InvalidClaims("o_not_object", "the v2 'o' claim must be an object")
    return o


def _subject(claims: Mapping[str, Any]) -> _Subject:
    """Who the claims name — checked in full before anything else is looked at."""
    nested = _nested(claims)
    user = _one_id(_present(sub=claims.get("sub"), user_id=claims.get("user_id")), "user")
    org = _one_id(_present(org_id=claims.get("org_id"), o_id=nested.get("id")), "org")
    return _Subject(org_id=org, external_id=user)


def _role_of(value: object) -> Role:
    if not isinstance(value, str):
        return _DEFAULT_ROLE
    word = value[4:] if value.startswith("org:") else value
    return _ROLE_WORDS.get(word, _DEFAULT_ROLE)


def _role(claims: Mapping[str, Any]) -> Role:
    """The least privileged role any role claim grants; VIEWER when there is none."""
    values = [claims.get("role"), claims.get("org_role"), _nested(claims).get("rol")]
    roles = [_role_of(value) for value in values if value is not None]
    if not roles:
        return _DEFAULT_ROLE
    return min(roles, key=_PRIVILEGE.__getitem__)


def _session_id(claims: Mapping[str, Any]) -> str:
    sid = claims.get("sid")
    return sid if isinstance(sid, str) else ""


def _require_active(claims: Mapping[str, Any]) -> None:
    status = claims.get("sts")
    if status is None or status == "active":
        return
    if status == "pending":
        raise Unauthorized("session_pending", "the sign-in is not complete")
    raise Unauthorized("session_not_active", "the session status is not 'active'")


# ---------------------------------------------------------------------------------- cache


@dataclass(frozen=True)
class _Entry:
    expires_at: float
    user_id: str
    role: Role


class _Directory:
    """User store and principal cache under one lock, keyed by an injective JSON string."""

    def __init__(self, ttl_s: float, org_id: str, existing: tuple[LocalUser, ...]) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._users: dict[str, str] = {
            self.key(_Subject(org_id, user.clerk_user_id)): user.user_id
            for user in existing
            if user.clerk_user_id is not None
        }
        self._taken = {user.user_id for user in existing}
        self._cache: dict[str, _Entry] = {}

    @staticmethod
    def key(subject: _Subject) -> str:
        return json.dumps([subject.org_id, subject.external_id])

    def lookup(self, subject: _Subject, role: Role) -> tuple[str, Role]:
        """Internal user id and role: the cached ones while fresh, else store + current role."""
        key = self.key(subject)
        now = time.time()
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and now < entry.expires_at:
                return entry.user_id, entry.role
            user_id = self._users.get(key)
            if user_id is None:
                fresh = (uuid.uuid4().hex for _ in iter(int, 1))
                user_id = next(i for i in fresh if i not in self._taken)
                self._users[key] = user_id
            if len(self._cache) > _PURGE_ABOVE:
                self._cache = {k: e for k, e in self._cache.items() if now < e.expires_at}
            self._cache[key] = _Entry(now + self._ttl_s, user_id, role)
            return user_id, role


# --------------------------------------------------------------------------------- tokens


def _jwk_index(jwks: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """``kid`` → key, for every usable signing key of the JWKS (first of a repeated kid)."""
    index: dict[str, jwt.PyJWK] = {}
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    for raw in keys if isinstance(keys, list | tuple) else ():
        if not isinstance(raw, Mapping):
            continue
        kid = raw.get("kid")
        if not isinstance(kid, str) or not kid or kid in index or raw.get("use", "sig") != "sig":
            continue
        try:
            index[kid] = jwt.PyJWK.from_dict(dict(raw))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
    return index


def _canonical_segment(segment: str) -> bool:
    """Unpadded base64url whose unused trailing bits are zero: one spelling per byte string."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return False
    unused_bits = {0: 0, 2: 4, 3: 2}[len(segment) % 4]
    return not segment or _ALPHABET.index(segment[-1]) % (1 << unused_bits) == 0


def _payload_bytes(token: str) -> bytes:
    segment = token.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _deeper_than(value: object, budget: int) -> bool:
    """Whether arrays/objects nest deeper than ``budget`` (recursion bounded by the budget)."""
    if not isinstance(value, dict | list):
        return False
    if budget == 0:
        return True
    children = value.values() if isinstance(value, dict) else value
    return any(_deeper_than(child, budget - 1) for child in children)


def _numeric_date(claims: Mapping[str, Any], name: str) -> int | float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"bad_{name}", f"{name} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Unauthorized(f"bad_{name}", f"{name} is not finite")
    return value


def _check_times(claims: Mapping[str, Any], leeway: float) -> None:
    """Exact NumericDate checks (PyJWT truncates fractional times to ints; these do not)."""
    now = time.time()
    exp = _numeric_date(claims, "exp")
    iat = _numeric_date(claims, "iat")
    nbf = _numeric_date(claims, "nbf")
    if exp is None or iat is None:
        raise Unauthorized("missing_time", "exp and iat are required")
    if exp <= now - leeway:
        raise Unauthorized("token_expired", "exp has passed")
    if iat > now + leeway:
        raise Unauthorized("iat_in_future", "iat is in the future")
    if nbf is not None and nbf > now + leeway:
        raise Unauthorized("token_immature", "nbf is in the future")


_PYJWT_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError, "signature_mismatch"),
    (jwt.InvalidAlgorithmError, "algorithm_rejected"),
    (jwt.MissingRequiredClaimError, "missing_required_claim"),
    (jwt.InvalidIssuerError, "issuer_rejected"),
    (jwt.DecodeError, "undecodable"),
    (jwt.PyJWTError, "token_rejected"),
)


def _pyjwt_reason(exc: jwt.PyJWTError) -> str:
    return next(reason for kind, reason in _PYJWT_REASONS if isinstance(exc, kind))


# ------------------------------------------------------------------------------- requests


def _headers(request: Request, name: str) -> list[str]:
    """Values of the header ``name`` (ASCII case-insensitive), in order."""
    found = []
    headers = request.headers
    if not isinstance(headers, tuple | list):
        raise Unauthorized("bad_request", "headers are not a sequence of pairs")
    for pair in headers:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise Unauthorized("bad_request", "a header is not a pair")
        key, value = pair
        if not (isinstance(key, str) and isinstance(value, str)):
            raise Unauthorized("bad_request", "a header name or value is not a string")
        if key.isascii() and key.lower() == name:
            found.append(value)
    return found


def _first_bearer(request: Request) -> str | None:
    """The token of the first ``Authorization`` header whose scheme is Bearer (any case). A
    value that starts with ``Bearer`` but runs into what follows it (no whitespace between) is
    a broken Bearer credential: refused, never skipped for the cookie."""
    for value in _headers(request, "authorization"):
        parts = value.split(None, 1)
        if not parts or parts[0][:6].lower() != "bearer":
            continue
        if parts[0].lower() != "bearer":
            raise Unauthorized("malformed_bearer", "the Bearer scheme runs into its token")
        token = parts[1].strip() if len(parts) > 1 else ""
        if not token:
            raise Unauthorized("empty_bearer", "an Authorization: Bearer header carries no token")
        return token
    return None


def _first_session_cookie(request: Request) -> str | None:
    """The first non-empty ``__session`` cookie of all ``Cookie`` headers (quotes removed)."""
    for header in _headers(request, "cookie"):
        for crumb in header.split(";"):
            name, eq, value = crumb.partition("=")
            if not eq or name.strip() != _COOKIE:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                return value
    return None


def _ambient(request: Request) -> str | None:
    return _first_bearer(request) or _first_session_cookie(request)


def _relayed(request: Request) -> str | None:
    """The first ``clerk_session_token`` field of a form POST, when non-empty."""
    if request.method != "POST":
        return None
    content_types = _headers(request, "content-type")
    if not content_types or content_types[0].split(";")[0].strip().lower() != _FORM:
        return None
    body = request.body
    if not isinstance(body, bytes | bytearray):
        raise Unauthorized("bad_request", "the body is not bytes")
    try:
        fields = parse_qsl(
            bytes(body).decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeError, ValueError) as exc:
        raise Unauthorized("undecodable_form", "the form body is not UTF-8") from exc
    token = next((value for name, value in fields if name == _RELAY_FIELD), "")
    return token or None


# -------------------------------------------------------------------------- authenticator


class AlternativeAuthenticator:
    """All four contract methods, built independently of the reference."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._keys = _jwk_index(self._jwks_now())
        self._keys_fetched = time.time()
        self._algorithms = list(settings.algorithms)
        self._directory = _Directory(
            float(settings.cache_ttl_s), settings.org_id, tuple(settings.existing_users)
        )

    @_fail_closed(InvalidClaims)
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if not isinstance(claims, Mapping):
            raise InvalidClaims("not_an_object", "claims must be a JSON object")
        subject = _subject(claims)  # ID-REQUIRED: identity problems are InvalidClaims, first
        _require_active(claims)
        if subject.org_id != self._settings.org_id:
            raise Unauthorized("org_mismatch", "the token is for another organization")
        user_id, role = self._directory.lookup(subject, _role(claims))
        return Principal(
            user_id=user_id,
            external_id=subject.external_id,
            org_id=subject.org_id,
            role=role,
            session_id=_session_id(claims),
        )

    @_fail_closed(Unauthorized)
    def authenticate_token(self, token: str) -> Principal:
        return self.authenticate_claims(self._verify(token))

    @_fail_closed(Unauthorized)
    def authenticate_request(self, request: Request) -> Principal:
        token = _ambient(request)
        if token is None:
            raise Unauthorized("no_credentials", "no Bearer token and no __session cookie")
        return self.authenticate_token(token)

    @_fail_closed(Unauthorized)
    def callback_subject(self, request: Request) -> Principal:
        token = _relayed(request) or _ambient(request)
        if token is None:
            raise Unauthorized("no_credentials", "no relayed token, Bearer token or cookie")
        if token.startswith(("mt_", "oat_", "ak_")) or not _JWS_SHAPE.fullmatch(token):
            raise Unauthorized("not_a_session_jwt", "only session JWTs complete a login")
        return self.authenticate_token(token)

    def _jwks_now(self) -> Mapping[str, Any]:
        """The JWKS: the endpoint's current one when the deployment has an endpoint."""
        source = self._settings.jwks_source
        return self._settings.jwks if source is None else source()

    def _current_keys(self) -> dict[str, jwt.PyJWK]:
        """The key index, fetched again once it is ``jwks_ttl_s`` old (endpoint deployments)."""
        now = time.time()
        stale = now - self._keys_fetched >= self._settings.jwks_ttl_s
        if stale and self._settings.jwks_source is not None:
            self._keys, self._keys_fetched = _jwk_index(self._jwks_now()), now
        return self._keys

    def _verify(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS or token.count(".") != 2:
            raise Unauthorized("undecodable", "not a compact JWS")
        if not all(_canonical_segment(segment) for segment in token.split(".")):
            raise Unauthorized("undecodable", "a segment is not canonical base64url")
        try:
            _payload_bytes(token).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unauthorized("undecodable", "the payload is not UTF-8") from exc
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
            raise Unauthorized("undecodable", "the JOSE header is unreadable") from exc
        if "crit" in header:
            raise Unauthorized("critical_extension", "no critical extension is supported")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise Unauthorized("algorithm_rejected", "alg is not configured")
        kid = header.get("kid")
        key = self._current_keys().get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized("no_such_key", "kid is missing or not in the JWKS")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                options={
                    "require": ["exp", "iat"],
                    "verify_exp": False,  # checked exactly by _check_times
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,  # Clerk session tokens carry azp, not aud
                    "verify_sub": False,  # a bad sub is InvalidClaims, decided on the claims
                    "verify_jti": False,
                    "verify_iss": self._settings.issuer is not None,
                },
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_s,
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(_pyjwt_reason(exc), str(exc)) from exc
        except (ValueError, TypeError, RecursionError, OverflowError) as exc:
            raise Unauthorized("undecodable", "the token could not be decoded") from exc
        if _deeper_than(claims, _MAX_DEPTH):
            raise Unauthorized("undecodable", "the claims nest too deeply")
        if _machine_token(header, claims):
            raise Unauthorized("machine_token", "an OAuth access token or an M2M token")
        _check_times(claims, self._settings.leeway_s)
        parties = self._settings.authorized_parties
        if parties:
            azp = claims.get("azp")
            if not isinstance(azp, str) or azp not in parties:
                raise Unauthorized("party_rejected", "azp is not an authorized party")
        return claims


def _machine_token(header: dict[str, Any], claims: dict[str, Any]) -> bool:
    """An RFC 9068 access token, or a Clerk M2M JWT (its category, or a ``mch_`` subject)."""
    typ = str(header.get("typ", "")).lower()
    subject = claims.get("sub")
    return (
        typ.endswith("at+jwt")
        or header.get("cat") == "cl_B7d4PD333AAA"
        or (isinstance(subject, str) and subject.startswith("mch_"))
    )


def make(settings: Settings) -> AlternativeAuthenticator:
    """The SUT factory: ``--sut tests.impls.alternative_impl:make``."""
    return AlternativeAuthenticator(settings)
