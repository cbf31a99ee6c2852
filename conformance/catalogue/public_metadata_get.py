"""Reads the user's plan from ``claims.get("public_metadata", {}).get("plan")``: the default
covers an absent claim only — a ``null``, a string, a list or a number there (whatever the
template maps) makes an ``AttributeError`` escape where a principal or an ``AuthError``
belongs (the nested profile claims issue 23 asks TOTAL to draw)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/profile-claims"})


class PublicMetadataGet(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        self.plan = claims.get("public_metadata", {}).get("plan")
        return identity


def make(settings: Settings) -> PublicMetadataGet:
    return PublicMetadataGet(settings)
