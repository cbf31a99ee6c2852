"""Caches the principal a token describes *before* pinning the org, keyed by user id: a token
for another org is rejected, but the entry it wrote is what the real user gets next time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reference import (
    InvalidClaims,
    Principal,
    ReferenceAuthenticator,
    Settings,
    TTLCache,
    resolve_identity,
)

VIOLATES = frozenset(
    {
        "CACHE-NO-POISON/history",
        "CACHE-NO-POISON/rejected-changes-nothing",
    }
)


class WritesBeforeValidation(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.principals: TTLCache[str, Principal] = TTLCache(settings.cache_ttl_s)

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = resolve_identity(claims)
        cached = self.principals.get(identity.external_id)
        if cached is None:
            record = self.users.get_or_create((identity.org_id, identity.external_id))
            cached = Principal(
                record.user_id, identity.external_id, identity.org_id, identity.role, ""
            )
            self.principals.put(identity.external_id, cached)
        if identity.org_id != self.settings.org_id:
            raise InvalidClaims("org_mismatch", identity.org_id)
        return replace(cached, session_id=identity.session_id)


def make(settings: Settings) -> WritesBeforeValidation:
    return WritesBeforeValidation(settings)
