"""A single-tenant shortcut: a token that names no org is taken to be in the configured one, so
a session with no active organization — which Clerk mints for every user outside one — is let
into the trusted org with a principal whose org the token never carried."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings
from reference.claims import ORG_CLAIMS, candidates

VIOLATES = frozenset({"ID-FAITHFUL/org-from-token", "ID-REQUIRED/missing-org"})


class DefaultOrg(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        if isinstance(claims, Mapping) and not candidates(claims, ORG_CLAIMS):
            claims = {**claims, "org_id": self.settings.org_id}
        return super().identify(claims)


def make(settings: Settings) -> DefaultOrg:
    return DefaultOrg(settings)
