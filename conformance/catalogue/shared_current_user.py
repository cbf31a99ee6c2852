"""Keeps "the current user" in an instance attribute between the cache lookup and building the
principal — the shape of code that began as a request-scoped object and became a singleton —
and records the login in between. Correct one login at a time; two concurrent logins can each
leave with the other's user."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from reference import (
    Principal,
    ReferenceAuthenticator,
    Settings,
    UserRecord,
)

VIOLATES = frozenset(
    {
        "CACHE-CONCURRENT/race",
    }
)


class SharedCurrentUser(ReferenceAuthenticator):
    current: UserRecord | None = None

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.last_login: dict[tuple[str, str], float] = {}

    def record_login(self, key: tuple[str, str]) -> None:
        """Note when the user last logged in — a "last seen" column: I/O, which releases the
        interpreter lock (``time.sleep(0)`` stands for the database round trip)."""
        time.sleep(0)
        self.last_login[key] = time.time()

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        key = (identity.org_id, identity.external_id)
        self.current = self.user_record(key)
        self.record_login(key)
        user = self.current
        return Principal(
            user.user_id, user.external_id, user.org_id, identity.role, identity.session_id
        )


def make(settings: Settings) -> SharedCurrentUser:
    return SharedCurrentUser(settings)
