"""Creates users get-then-insert against a unique constraint and does not retry: when two first
logins of the same new user race, the second INSERT violates the constraint and that login is
answered 401 (what a published Django integration does when the insert races) — safe, but a
user signed out for logging in twice at once."""

from __future__ import annotations

import itertools
import threading
import time

from reference import ReferenceAuthenticator, Settings, Unauthorized
from reference.cache import UserKey, UserRecord

VIOLATES = frozenset({"CACHE-CONCURRENT/refused-in-race"})


class UniqueViolation(Exception):
    """The database refused a second row for one key."""


class UniqueUserStore:
    def __init__(self) -> None:
        self._rows: dict[UserKey, UserRecord] = {}
        self._ids = itertools.count(1)
        self._insert = threading.Lock()  # the database's own row lock

    def get_or_create(self, key: UserKey) -> UserRecord:
        record = self._rows.get(key)
        if record is not None:
            return record
        time.sleep(0)  # the round trip to the database between the SELECT and the INSERT
        with self._insert:
            if key in self._rows:
                raise UniqueViolation(f"duplicate key {key!r}")
            record = self._rows[key] = UserRecord(f"usr_{next(self._ids):06d}", *key)
        return record


class RacyUniqueInsert(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.users = UniqueUserStore()  # type: ignore[assignment]

    def user_record(self, key: UserKey) -> UserRecord:
        try:
            return super().user_record(key)
        except UniqueViolation as exc:
            raise Unauthorized("user_create_failed", str(exc)) from exc


def make(settings: Settings) -> RacyUniqueInsert:
    return RacyUniqueInsert(settings)
