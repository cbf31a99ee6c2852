"""``ReferenceAuthenticator``: the strictest sensible implementation of the contract (§5)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .cache import TTLCache, UserKey, UserRecord, UserStore, seeded_rows
from .claims import Identity, resolve_identity
from .contract import Principal, Request, Settings
from .errors import InvalidClaims, Unauthorized
from .requests import ambient_token, looks_like_jwt, relayed_token
from .tokens import KeySet, verify_token


class ReferenceAuthenticator:
    """Claims → identity → org pin → cache/user store → principal; tokens and requests on top."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        source = settings.jwks_source
        self._keys = KeySet(settings.jwks if source is None else source(), settings.jwt_key)
        self._keys_read_at = time.time()
        self.users = UserStore(
            seeded_rows(settings.org_id, settings.existing_users),
            (user.user_id for user in settings.existing_users),
        )
        self.cache: TTLCache[UserKey, UserRecord] = TTLCache(settings.cache_ttl_s)

    @property
    def keys(self) -> KeySet:
        """The JWKS in force: re-read from ``settings.jwks_source`` once ``jwks_ttl`` seconds
        have passed, so a key the endpoint dropped is refused within the declared TTL."""
        source = self.settings.jwks_source
        if source is not None and time.time() >= self._keys_read_at + self.jwks_ttl():
            self._keys, self._keys_read_at = KeySet(source()), time.time()
        return self._keys

    @keys.setter
    def keys(self, keys: KeySet) -> None:
        self._keys = keys

    def jwks_ttl(self) -> float:
        """How long a JWKS read from the endpoint is used: the deployment's ``jwks_ttl_s``."""
        return self.settings.jwks_ttl_s

    def identify(self, claims: Mapping[str, Any]) -> Identity:
        """Resolve the identity the claims carry and pin it to the trusted org."""
        identity = resolve_identity(claims)
        if identity.org_id != self.settings.org_id:
            raise InvalidClaims("org_mismatch", f"org {identity.org_id!r} is not trusted")
        return identity

    def user_record(self, key: UserKey) -> UserRecord:
        """The user stored under ``key``: from the cache, else the store (then cached)."""
        record = self.cache.get(key)
        if record is None:
            record = self.users.get_or_create(key)
            self.cache.put(key, record)
        return record

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        """Resolve the identity, pin the org, then look up (or create) the user."""
        identity = self.identify(claims)
        record = self.user_record((identity.org_id, identity.external_id))
        return Principal(
            user_id=record.user_id,
            external_id=identity.external_id,
            org_id=identity.org_id,
            role=identity.role,
            session_id=identity.session_id,
        )

    def authenticate_token(self, token: str) -> Principal:
        """Verify the compact JWS against the JWKS, then authenticate its claims."""
        return self.authenticate_claims(verify_token(token, self.keys, self.settings))

    def authenticate_request(self, request: Request) -> Principal:
        """API middleware: ``Authorization: Bearer``, else the ``__session`` cookie."""
        token = ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no Bearer token or __session cookie")
        return self.authenticate_token(token)

    def callback_subject(self, request: Request) -> Principal:
        """Browser-login callback: the relayed body token first, then the ambient credential.

        The chosen token must be a session JWT; when it fails, nothing else is tried.
        """
        token = relayed_token(request) or ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no relayed, Bearer or cookie token")
        if not looks_like_jwt(token):
            raise Unauthorized("not_a_session_token", "the callback accepts session JWTs only")
        return self.authenticate_token(token)
