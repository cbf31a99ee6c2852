"""Pins the org case-insensitively and with surrounding space trimmed (``org.strip().lower() ==
trusted.lower()``), then returns the org as the token spelt it: ``ORG_…`` or ``" org_…"`` is let
in, and the principal names an org that is not the configured one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, InvalidClaims, ReferenceAuthenticator, Settings
from reference.claims import resolve_identity

VIOLATES = frozenset({"ID-FAITHFUL/org-configured", "ID-ORG-PINNED/foreign-org"})


class CasefoldOrg(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = resolve_identity(claims)
        if identity.org_id.strip().lower() != self.settings.org_id.lower():
            raise InvalidClaims("org_mismatch", f"org {identity.org_id!r} is not trusted")
        return identity


def make(settings: Settings) -> CasefoldOrg:
    return CasefoldOrg(settings)
