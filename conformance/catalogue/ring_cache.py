"""Keeps users in a bounded cache of 1,024 slots, a ring with an index from key to slot: once
it is full, the oldest slot is reused for the new user, but the evicted user's index entry
still points at it — so the evicted user, logging in again, is handed whoever took the slot.
Histories of a dozen users never fill it."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from reference import Identity, Settings, UserRecord

from ._base import KeyedCache

VIOLATES = frozenset({"CACHE-ISOLATION/crowd"})
SLOTS = 1024


class Ring:
    def __init__(self) -> None:
        self.slots: list[UserRecord | None] = [None] * SLOTS
        self.index: dict[Hashable, int] = {}
        self.written = 0

    def get(self, key: Hashable) -> UserRecord | None:
        slot = self.index.get(key)
        return None if slot is None else self.slots[slot]

    def put(self, key: Hashable, record: UserRecord) -> None:
        slot = self.written % SLOTS
        self.slots[slot], self.index[key] = record, slot  # the evicted key keeps its index
        self.written += 1


class RingCache(KeyedCache):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.records = Ring()  # type: ignore[assignment]

    def cache_key(self, identity: Identity, claims: Mapping[str, Any]) -> Hashable:
        return (identity.org_id, identity.external_id)


def make(settings: Settings) -> RingCache:
    return RingCache(settings)
