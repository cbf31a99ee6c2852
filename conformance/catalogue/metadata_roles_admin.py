"""Grants admin when any role in the template's ``public_metadata.roles`` or ``metadata.roles``
(a list, or one string) is admin — ``if "admin" in roles`` — whatever Clerk's own role claims
say: a member whose metadata lists ``["member", "admin"]`` is an admin. Two of the four PyPI
integrations read for issue 23 grant admin so, any match granting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reference import Identity, ReferenceAuthenticator, Role, Settings

VIOLATES = frozenset({"ROLE-NO-ESCALATION/metadata-role"})

_ADMIN = ("admin", "org:admin")


def metadata_roles(claims: Mapping[str, Any]) -> list[object]:
    """Every role listed in ``public_metadata.roles`` and ``metadata.roles``."""
    roles: list[object] = []
    for holder in ("public_metadata", "metadata"):
        metadata = claims.get(holder)
        listed = metadata.get("roles") if isinstance(metadata, Mapping) else None
        roles += listed if isinstance(listed, list) else [listed]
    return roles


class MetadataRolesAdmin(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        if any(role in _ADMIN for role in metadata_roles(claims)):
            return replace(identity, role=Role.ADMIN)
        return identity


def make(settings: Settings) -> MetadataRolesAdmin:
    return MetadataRolesAdmin(settings)
