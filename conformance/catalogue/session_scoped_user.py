"""Creates (and caches) one internal user per *session*: the store is keyed by
``(org, user, sid)``, so every new sign-in is a new account, with none of the old one's data
and permissions — the sid leaking into identity. Over a login history, one identity holds
several internal users (CACHE-ISOLATION's login-history check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset(
    {
        "CACHE-ISOLATION",
        "SID-INDEPENDENT/sid-changes-who",
    }
)


class SessionScopedUser(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        identity = self.identify(claims)
        account = f"{identity.external_id}#{identity.session_id}"
        record = self.users.get_or_create((identity.org_id, account))
        return Principal(
            record.user_id,
            identity.external_id,
            identity.org_id,
            identity.role,
            identity.session_id,
        )


def make(settings: Settings) -> SessionScopedUser:
    return SessionScopedUser(settings)
