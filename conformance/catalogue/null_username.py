"""Builds the user's handle with ``claims.get("username", "").lower()``: the default covers an
absent claim only, so a template mapping ``{{user.username}}`` for a user who has none — a JSON
``null`` — or mapping anything but a string there makes an ``AttributeError`` escape where a
principal or an ``AuthError`` belongs (the profile claims issue 23 asks TOTAL to draw)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/profile-claims"})


class NullUsername(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        self.handle = claims.get("username", "").lower()
        return identity


def make(settings: Settings) -> NullUsername:
    return NullUsername(settings)
