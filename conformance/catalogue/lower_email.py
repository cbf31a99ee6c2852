"""Normalises the profile's ``email`` before storing it with the user
(``email.strip().lower()`` when the claim is present): a template mapping a non-string there —
a number, a list, an object — makes an ``AttributeError`` escape where a principal or an
``AuthError`` belongs (issue 23: a non-string ``email`` raised a validation error out of an API
that promises never to raise)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/profile-claims"})


class LowerEmail(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        email = claims.get("email")
        self.last_email = email.strip().lower() if email is not None else None
        return identity


def make(settings: Settings) -> LowerEmail:
    return LowerEmail(settings)
