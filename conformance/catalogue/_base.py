"""Shared plumbing for catalogue entries: the reference with one step made wrong.

Each entry subclasses ``ReferenceAuthenticator`` (or ``KeyedCache``) and overrides the one
method its flaw lives in, so the flaw is the only thing that differs from the specification.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import (
    Identity,
    Principal,
    ReferenceAuthenticator,
    Request,
    Settings,
    TTLCache,
    Unauthorized,
    UserRecord,
)
from reference.requests import ambient_token, relayed_token
from reference.tokens import verify_token


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
