"""Caches users under case-folded ids ("ids are case-insensitive, right?"): ``user_2Ab`` and
``USER_2aB`` are different Clerk users who share one entry."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings

from ._base import KeyedCache

VIOLATES = frozenset(
    {
        "CACHE-ISOLATION/own-identity",
        "CACHE-KEY-INJECTIVE",
    }
)


class CasefoldKey(KeyedCache):
    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        return (identity.org_id.casefold(), identity.external_id.casefold())


def make(settings: Settings) -> CasefoldKey:
    return CasefoldKey(settings)
