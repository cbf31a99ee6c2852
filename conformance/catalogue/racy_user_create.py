"""Creates users get-then-insert with no lock: the lookup and the insert are two database round
trips, so two first logins of the same new user at once both miss, and both insert — one
identity, two internal users, each login handed a different one (the get-then-create of the
user row that several published integrations do)."""

from __future__ import annotations

import itertools
import time

from reference import ReferenceAuthenticator, Settings
from reference.cache import UserKey, UserRecord

VIOLATES = frozenset({"CACHE-CONCURRENT/same-new-user"})


class RacyUserStore:
    def __init__(self) -> None:
        self._rows: dict[UserKey, UserRecord] = {}
        self._ids = itertools.count(1)

    def get_or_create(self, key: UserKey) -> UserRecord:
        record = self._rows.get(key)
        if record is None:
            time.sleep(0)  # the round trip to the database between the SELECT and the INSERT
            record = UserRecord(f"usr_{next(self._ids):06d}", *key)
            self._rows[key] = record
        return record


class RacyUserCreate(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.users = RacyUserStore()  # type: ignore[assignment]


def make(settings: Settings) -> RacyUserCreate:
    return RacyUserCreate(settings)
