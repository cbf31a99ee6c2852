"""Remembers failed logins per user id for the cache TTL — a brute-force brake — and refuses
that user meanwhile. One bad token naming a victim (another org, a forged signature) locks the
victim out: a rejected login changes what later logins return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import AuthError, Principal, ReferenceAuthenticator, Settings, TTLCache, Unauthorized

VIOLATES = frozenset(
    {
        "CACHE-NO-POISON/locked-out",
    }
)


def named_user(claims: object) -> str | None:
    """The user a login names, read leniently: ``sub``, else ``user_id``."""
    if not isinstance(claims, Mapping):
        return None
    user = claims.get("sub") or claims.get("user_id")
    return user if isinstance(user, str) else None


class CachesRejections(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.denied: TTLCache[str, bool] = TTLCache(settings.cache_ttl_s)

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        user = named_user(claims)
        if user is not None and self.denied.get(user):
            raise Unauthorized("recently_denied", f"{user!r} failed to log in recently")
        try:
            return super().authenticate_claims(claims)
        except AuthError:
            if user is not None:
                self.denied.put(user, True)
            raise


def make(settings: Settings) -> CachesRejections:
    return CachesRejections(settings)
