"""Reads the role from the template's ``metadata.role`` string when there is one, before
Clerk's own role claims (``metadata.get("role") or org_role``): whatever the template maps
into ``metadata`` — ``{{user.public_metadata}}``, or the user-writable ``unsafe_metadata`` —
decides the org role, so ``"admin"`` there makes a member an admin, and ``"member"`` a guest a
viewer (the one-string variant of the metadata roles issue 23 found granting admin)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings
from reference.roles import map_role

VIOLATES = frozenset({"ROLE-NO-ESCALATION/metadata-role"})


class MetadataRoleString(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        metadata = claims.get("metadata")
        role = metadata.get("role") if isinstance(metadata, Mapping) else None
        if isinstance(role, str) and role:
            return replace(identity, role=map_role(role.removeprefix("org:")))
        return identity


def make(settings: Settings) -> MetadataRoleString:
    return MetadataRoleString(settings)
