"""Correct but strict: reads every v1 org claim as a string, as code that types its claims as
``dict[str, str]`` does — so ``org_permissions``, which Clerk mints as a list
(``["org:dashboard:read", …]``), makes the claims malformed (``InvalidClaims``). Every v1
session carrying permissions is refused: one VALID-ACCEPTED/v1 finding names the form; the
other rows, whose controls carry none, hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"VALID-ACCEPTED/v1"})
STRICT = "reads v1's org claims as strings"
ORG_CLAIMS = ("org_id", "org_slug", "org_role", "org_permissions")


class StringOrgClaims(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if isinstance(claims, Mapping):
            for name in ORG_CLAIMS:
                if name in claims and not isinstance(claims[name], str | None):
                    raise InvalidClaims(f"malformed_{name}", f"{name} must be a string")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> StringOrgClaims:
    return StringOrgClaims(settings)
