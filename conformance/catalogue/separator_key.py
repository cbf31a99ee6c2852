"""Caches users under the formatted string ``f"{org}:{sid}:{user}"`` — "namespace cache keys by
org/session/user", as the seed PR's description put it — so a ``:`` moved from the user id into
the session id forges another user's key (``sess_1:user_a`` + ``b`` = ``sess_1`` + ``user_a:b``)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings

from ._base import KeyedCache

VIOLATES = frozenset(
    {
        "CACHE-KEY-INJECTIVE/confusable",
    }
)


class SeparatorKey(KeyedCache):
    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        return f"{identity.org_id}:{identity.session_id}:{identity.external_id}"


def make(settings: Settings) -> SeparatorKey:
    return SeparatorKey(settings)
