"""Correct but strict: reads a v2 org's permissions with a subscript — ``o["per"]`` and
``o["fpm"]`` — as code written from a token of an org with custom permissions does, so a v2
org without them is unreadable (``InvalidClaims``). Clerk adds ``per``/``fpm`` only for an org
whose features grant permissions: one VALID-ACCEPTED/v2 finding names the form; every other
row is decided on the sessions it accepts (v1, and v2 with permissions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"VALID-ACCEPTED/v2"})
STRICT = "requires a v2 org's `per`/`fpm`"


class V2PerRequired(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        nested = claims.get("o") if isinstance(claims, Mapping) else None
        if isinstance(nested, Mapping) and not {"per", "fpm"} <= set(nested):
            raise InvalidClaims("org_unreadable", "o.per / o.fpm: KeyError")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> V2PerRequired:
    return V2PerRequired(settings)
