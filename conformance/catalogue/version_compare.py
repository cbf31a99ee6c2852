"""Tells v2 sessions from v1 by ``claims.get("v", 1) >= 2``: a template (or a hand-made token)
writing ``"v": "2"`` as a string raises ``TypeError`` where a principal or a refusal belongs —
``int(claims["v"])`` or Clerk's ``switch (claims.v) { case 2: … }`` would not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/v2-claims"})


class VersionCompare(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        self.nested_org = claims.get("v", 1) >= 2
        return identity


def make(settings: Settings) -> VersionCompare:
    return VersionCompare(settings)
