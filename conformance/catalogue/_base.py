"""Shared plumbing for catalogue entries: the reference with one step made wrong.

Each entry subclasses ``ReferenceAuthenticator`` (or ``KeyedCache``) and overrides the one
method its flaw lives in, so the flaw is the only thing that differs from the specification.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import get_default_algorithms

from reference import (
    Identity,
    LocalUser,
    Principal,
    ReferenceAuthenticator,
    Request,
    Settings,
    TTLCache,
    Unauthorized,
    UserRecord,
    UserStore,
)
from reference.requests import ambient_token, relayed_token
from reference.tokens import (
    REQUIRED_TIMES,
    check_audience,
    check_session_class,
    check_times,
    compact_segments,
    parse_json_object,
    read_header,
    verify_signature,
    verify_token,
)
from strategies.attacks import HMAC_DIGESTS


class KeyedCache(ReferenceAuthenticator):
    """The reference, but caching user records under ``cache_key`` — the flaw of each subclass
    — and building the principal from the cached record, as code caching a user object does."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.records: TTLCache[Hashable, UserRecord] = TTLCache(settings.cache_ttl_s)

    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        """The key a user record is cached under."""
        raise NotImplementedError

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        key = self.cache_key(identity, claims)
        record = self.records.get(key)
        if record is None:
            record = self.users.get_or_create((identity.org_id, identity.external_id))
            self.records.put(key, record)
        return Principal(
            record.user_id, record.external_id, record.org_id, identity.role, identity.session_id
        )


class AmbientReader(ReferenceAuthenticator):
    """The reference, but reading the ambient credential with ``ambient_token`` — the flaw of
    each subclass — in the API middleware and, after the relayed token, in the callback."""

    def ambient_token(self, request: Request) -> str | None:
        """The ambient credential, or ``None``."""
        raise NotImplementedError

    def ambient(self, request: Request) -> str:
        token = self.ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no ambient credential")
        return token

    def authenticate_request(self, request: Request) -> Principal:
        return self.authenticate_token(self.ambient(request))

    def callback_subject(self, request: Request) -> Principal:
        return self.authenticate_token(relayed_token(request) or self.ambient(request))


class Middleware(ReferenceAuthenticator):
    """The reference, its API middleware reading the verified claims itself (``verified``) —
    where each subclass's flaw lives — before it authenticates them."""

    def verified(self, request: Request) -> dict[str, Any]:
        """The verified claims of the request's ambient token."""
        token = ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no Bearer token or __session cookie")
        return verify_token(token, self.keys, self.settings)


class OrgFromRequest(Middleware):
    """The middleware lets the request say which org it is in when the token names none in its
    flat ``org_id`` (every v2 token): where it looks (``org_hint``) is each subclass's flaw."""

    def org_hint(self, request: Request) -> str | None:
        """The org the request itself names (``None``: none)."""
        raise NotImplementedError

    def authenticate_request(self, request: Request) -> Principal:
        claims, hint = self.verified(request), self.org_hint(request)
        if not claims.get("org_id") and hint:
            claims["org_id"] = hint
            if isinstance(claims.get("o"), dict):
                claims["o"] = {**claims["o"], "id": hint}
        return self.authenticate_claims(claims)


class ProfileLinker(ReferenceAuthenticator):
    """The reference, but a login whose Clerk user no account from before is linked to takes
    the first of those accounts whose profile ``matches`` the token's — each subclass's flaw —
    and links it to that Clerk user, whoever it was linked to (a migration's get-or-link on a
    profile column); other logins get a user of their own, as in the reference."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.accounts = {user.user_id: user for user in settings.existing_users}
        self.users = UserStore(taken=self.accounts)
        self.lock = threading.Lock()

    def matches(self, account: LocalUser, claims: Mapping[str, Any]) -> bool:
        """Whether ``account`` is taken to be the one the claims' profile names."""
        raise NotImplementedError

    def account_of(self, identity: Identity, claims: Mapping[str, Any]) -> str:
        """The account from before linked to the login's Clerk user, else one its profile
        matches (then linked to it); else the login's own user."""
        with self.lock:
            accounts = list(self.accounts.values())
            found = next((a for a in accounts if a.clerk_user_id == identity.external_id), None)
            if found is None:
                found = next((a for a in accounts if self.matches(a, claims)), None)
            if found is None:
                return self.users.get_or_create((identity.org_id, identity.external_id)).user_id
            self.accounts[found.user_id] = replace(found, clerk_user_id=identity.external_id)
            return found.user_id

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        user_id = self.account_of(identity, claims)
        return Principal(
            user_id, identity.external_id, identity.org_id, identity.role, identity.session_id
        )


class HandRolledVerifier(ReferenceAuthenticator):
    """The reference, but verifying some tokens by hand — ``hand_verified``, the flaw of each
    subclass — and, once a signature passes that way, checking the rest as the reference does."""

    def hand_verified(self, token: str) -> bool | None:
        """Whether the hand-rolled path accepts ``token``'s signature; ``None``: not its path
        (the reference verifies it)."""
        raise NotImplementedError

    def authenticate_token(self, token: str) -> Principal:
        verdict = self.hand_verified(token)
        if verdict is None:
            return super().authenticate_token(token)
        if not verdict:
            raise Unauthorized("bad_signature", "signature verification failed")
        return self.authenticate_claims(checked_claims(token, self.settings))


def checked_claims(token: str, settings: Settings) -> dict[str, Any]:
    """A token's claims, checked as the reference checks them once its signature verified:
    token class, times, audience."""
    claims = parse_json_object(compact_segments(token)[1])
    check_session_class(read_header(token), claims)
    check_times(claims, time.time(), settings.leeway_s)
    check_audience(claims, settings)
    return claims


def signing_input(token: str) -> bytes:
    """What a JWS signature signs: the header and payload segments, as sent."""
    return token.rpartition(".")[0].encode("ascii")


#: The HMAC algorithms by name, as the attacks sign them.
HMACS = HMAC_DIGESTS


def hmac_matches(token: str, alg: str, secret: bytes) -> bool:
    """Whether ``token``'s signature is the HMAC ``alg`` keyed with ``secret``."""
    expected = hmac.new(secret, signing_input(token), HMACS[alg]).digest()
    return hmac.compare_digest(expected, compact_segments(token)[2])


def rsa_verified(
    auth: ReferenceAuthenticator, token: str, algorithms: tuple[str, ...]
) -> bool | None:
    """A signature checked with the RSA key ``kid`` names under any of ``algorithms`` the
    header names (``None``: another algorithm, or no RSA key: the reference's path)."""
    header = read_header(token)
    alg, key = header.get("alg"), auth.keys.get(header.get("kid"))
    if alg not in algorithms or key is None or not isinstance(key.key, rsa.RSAPublicKey):
        return None
    algorithm = get_default_algorithms()[str(alg)]
    return bool(algorithm.verify(signing_input(token), key.key, compact_segments(token)[2]))


class ForgivingVerifier(ReferenceAuthenticator):
    """golang-jwt v4's ``Parse`` and a caller adding the skew v4 lacks: every error is found
    (signature, token class, audience, the ``forgiven`` times with no leeway, the others with
    the deployment's), and when one of them is ``forgiven`` and the token's times pass with the
    leeway, the caller returns the claims — whatever else the error said (CVE-2024-51744)."""

    forgiven: frozenset[str] = frozenset()

    def authenticate_token(self, token: str) -> Principal:
        errors: list[Unauthorized] = []
        try:
            claims = verify_signature(token, self.keys, self.settings.algorithms)
        except Unauthorized as refused:
            errors.append(refused)
            claims = parse_json_object(compact_segments(token)[1])
        checks: tuple[Callable[[], None], ...] = (
            lambda: check_session_class(read_header(token), claims),
            lambda: check_audience(claims, self.settings),
        )
        for check in checks:
            try:
                check()
            except Unauthorized as refused:
                errors.append(refused)
        now = time.time()
        try:  # the registered times every session carries: their absence is never forgiven
            check_times(claims, now, self.settings.leeway_s, required=REQUIRED_TIMES)
        except Unauthorized as refused:
            if refused.reason not in self.forgiven:
                errors.append(refused)
        for name in sorted(self.forgiven):  # checked with no leeway: v4 has none
            try:
                check_times({k: claims[k] for k in _TIME_CLAIMS[name] if k in claims}, now, 0,
                            required=())  # fmt: skip
            except Unauthorized as refused:
                errors.append(refused)
        if errors and self._forgives(errors, claims, now):
            return self.authenticate_claims(claims)
        if errors:
            raise errors[0]
        return self.authenticate_claims(claims)

    def _forgives(self, errors: list[Unauthorized], claims: dict[str, Any], now: float) -> bool:
        """``errors.Is(err, forgiven)`` and within the skew: the claims are taken."""
        if not any(error.reason in self.forgiven for error in errors):
            return False
        try:
            check_times(claims, now, self.settings.leeway_s)
        except Unauthorized:
            return False
        return True


_TIME_CLAIMS = {"expired": ("exp",), "not_yet_valid": ("nbf",), "issued_in_future": ("iat",)}
