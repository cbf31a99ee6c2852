"""Knows Clerk's own role claims (``org_role``, ``o.rol``) and ignores a JWT template's
``role`` when it is the only one: a template token of an admin is a guest — fails safe, but one
session in three shapes is three different principals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"ID-SHAPE-INVARIANT/lower-role"})


class NoTemplateRole(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        if isinstance(claims, Mapping) and "role" in claims and not _clerk_role(claims):
            claims = {name: value for name, value in claims.items() if name != "role"}
        return super().identify(claims)


def _clerk_role(claims: Mapping[str, Any]) -> bool:
    """Whether the claims carry one of Clerk's own role claims."""
    nested = claims.get("o")
    return "org_role" in claims or (isinstance(nested, Mapping) and "rol" in nested)


def make(settings: Settings) -> NoTemplateRole:
    return NoTemplateRole(settings)
