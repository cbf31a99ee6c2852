"""Reads the role only from Clerk's own claims (``org_role``, ``o.rol``) and ignores a JWT
template's ``role``: a template token of an admin is a guest — fails safe, but one session in
three shapes is three different principals; and a template's ``role: "org:guest"`` beside an
admin ``o.rol`` no longer caps the role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"ID-SHAPE-INVARIANT/template-shape", "ROLE-NO-ESCALATION/guest-caps"})


class NoTemplateRole(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        if isinstance(claims, Mapping) and "role" in claims:
            claims = {name: value for name, value in claims.items() if name != "role"}
        return super().identify(claims)


def make(settings: Settings) -> NoTemplateRole:
    return NoTemplateRole(settings)
