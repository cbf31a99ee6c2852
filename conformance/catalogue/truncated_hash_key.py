"""Caches users under a short hash of the identity — the first five hex digits (20 bits) of
SHA-256 of ``org:user``, "plenty for one app's users": distinct users collide once enough of
them have logged in (by the birthday bound, about one in a thousand pairs among 4,096), and the
later one is handed the earlier one's user."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings

from ._base import KeyedCache

VIOLATES = frozenset({"CACHE-ISOLATION/crowd"})


class TruncatedHashKey(KeyedCache):
    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        whole = f"{identity.org_id}:{identity.external_id}".encode()
        return hashlib.sha256(whole).hexdigest()[:5]


def make(settings: Settings) -> TruncatedHashKey:
    return TruncatedHashKey(settings)
