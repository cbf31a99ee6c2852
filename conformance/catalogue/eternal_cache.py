"""Caches the whole principal — role included — per ``(org, user)`` and never expires it: the
role a user had at first login is the role they keep until the process restarts. A demoted
admin stays admin; ``cache_ttl_s`` is read and ignored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reference import (
    Principal,
    ReferenceAuthenticator,
    Settings,
)

VIOLATES = frozenset(
    {
        "CACHE-FRESH/role-within-ttl",
    }
)


class EternalCache(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.principals: dict[tuple[str, str], Principal] = {}

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        key = (identity.org_id, identity.external_id)
        cached = self.principals.get(key)
        if cached is None:
            record = self.users.get_or_create(key)
            cached = Principal(
                record.user_id, identity.external_id, identity.org_id, identity.role, ""
            )
            self.principals[key] = cached
        return replace(cached, session_id=identity.session_id)


def make(settings: Settings) -> EternalCache:
    return EternalCache(settings)
