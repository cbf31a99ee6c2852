"""Correct but strict: reads only v1's flat claims, and refuses a v2 token (``"v": 2`` or a
nested ``o``) as claims naming no org (``InvalidClaims``) rather than read half of it — the
code written before Clerk's v2 session tokens. Every v2 session is refused: one
VALID-ACCEPTED finding names the shape; every other row is decided on the v1 sessions it
accepts, and counts the v2 controls it refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"VALID-ACCEPTED/v2"})
STRICT = "reads only v1 claims"


class V1Only(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if isinstance(claims, Mapping) and (claims.get("v") == 2 or "o" in claims):
            raise InvalidClaims("missing_org", "v2 claims (`o`) are not read")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> V1Only:
    return V1Only(settings)
