"""The user cache and the user store, both keyed by the tuple ``(org_id, external_id)``.

A tuple key is structural: no separator can be moved, no case folded, no ``None`` stringified.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .contract import LocalUser

UserKey = tuple[str, str]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class UserRecord:
    """A row of the user store: the internal id a Clerk user was given."""

    user_id: str
    org_id: str
    external_id: str


def seeded_rows(org_id: str, existing: Iterable[LocalUser]) -> dict[UserKey, UserRecord]:
    """The rows a deployment's existing users give: one per user linked to a Clerk user, under
    ``(org_id, clerk_user_id)``; an unlinked user is found by no login (profile data is no key)."""
    return {
        (org_id, user.clerk_user_id): UserRecord(user.user_id, org_id, user.clerk_user_id)
        for user in existing
        if user.clerk_user_id is not None
    }


class UserStore:
    """In-memory get-or-create by ``(org_id, external_id)``, starting from ``rows``; new users
    get ids no existing user has; thread-safe."""

    def __init__(
        self, rows: dict[UserKey, UserRecord] | None = None, taken: Iterable[str] = ()
    ) -> None:
        self._rows: dict[UserKey, UserRecord] = dict(rows or {})
        self._taken = frozenset(taken)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def get_or_create(self, key: UserKey) -> UserRecord:
        """The record for ``key``, created on first sight."""
        with self._lock:
            record = self._rows.get(key)
            if record is None:
                record = UserRecord(self._new_id(), *key)
                self._rows[key] = record
            return record

    def _new_id(self) -> str:
        """The next internal id no existing user holds."""
        while True:
            user_id = f"usr_{next(self._ids):06d}"
            if user_id not in self._taken:
                return user_id


class TTLCache(Generic[K, V]):
    """A bounded LRU whose entries expire ``ttl_s`` seconds after writing; thread-safe.

    The reference stores user records under ``(org_id, external_id)``."""

    def __init__(self, ttl_s: float, max_size: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._max_size = max_size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The live entry for ``key``, or ``None`` (expired entries are dropped)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if time.time() >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key`` for the TTL, evicting the least recently used."""
        with self._lock:
            self._entries[key] = (time.time() + self._ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_size:
                self._entries.popitem(last=False)
