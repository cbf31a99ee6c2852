"""Caches users under their ``email`` profile claim when the token has one: two Clerk users with
one address (a re-created account, a shared mailbox) share an entry — profile data as identity;
a newcomer copying a linked user's address makes that user land on the newcomer's account."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings

from ._base import KeyedCache

VIOLATES = frozenset(
    {
        "CACHE-ISOLATION/history",
        "CACHE-KEY-INJECTIVE",
        "IDENTITY-NOT-LINKED/rebound",
    }
)


class EmailKey(KeyedCache):
    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        email = claims.get("email")
        return email if isinstance(email, str) else identity.external_id


def make(settings: Settings) -> EmailKey:
    return EmailKey(settings)
