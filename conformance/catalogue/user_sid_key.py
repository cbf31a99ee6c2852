"""Caches the user per session, under ``f"{user}:{sid}"``: the separator can move between the
parts — ``user_a:user_b`` in session ``sess_1`` and ``user_a`` in session ``user_b:sess_1`` are
one key, so the second is handed the first's user. (Ids that carry a separator come from JWT
templates, whose custom claims come from user metadata.)"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings

from ._base import KeyedCache

VIOLATES = frozenset({"CACHE-KEY-INJECTIVE/confusable"})


class UserSidKey(KeyedCache):
    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        return f"{identity.external_id}:{identity.session_id}"


def make(settings: Settings) -> UserSidKey:
    return UserSidKey(settings)
