"""Caches each user's record *and role*, refreshing the entry's expiry on every hit and reading
the role from the token only on a miss. ``cache_ttl_s`` bounds the time between logins, not the
age of the role: a user who logs in more often than the TTL keeps their first role forever — a
demoted admin who stays active stays admin."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reference import (
    Principal,
    ReferenceAuthenticator,
    Role,
    Settings,
    UserRecord,
)

VIOLATES = frozenset(
    {
        "CACHE-FRESH/history",
        "CACHE-FRESH/role-within-ttl",
    }
)


@dataclass(frozen=True)
class Entry:
    record: UserRecord
    role: Role
    last_seen: float


class SlidingRoleCache(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.entries: dict[tuple[str, str], Entry] = {}

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        key, now = (identity.org_id, identity.external_id), time.time()
        entry = self.entries.get(key)
        if entry is None or now - entry.last_seen >= self.settings.cache_ttl_s:
            entry = Entry(self.users.get_or_create(key), identity.role, now)
        self.entries[key] = Entry(entry.record, entry.role, now)  # every hit slides the expiry
        record = entry.record
        return Principal(
            record.user_id, record.external_id, record.org_id, entry.role, identity.session_id
        )


def make(settings: Settings) -> SlidingRoleCache:
    return SlidingRoleCache(settings)
