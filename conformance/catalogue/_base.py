"""Shared plumbing for catalogue entries: the reference with one step made wrong.

Each entry subclasses ``ReferenceAuthenticator`` (or ``KeyedCache``) and overrides the one
method its flaw lives in, so the flaw is the only thing that differs from the specification.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import replace
from typing import Any

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
