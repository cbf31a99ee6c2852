"""Ignores the configured clock skew and checks ``exp``, ``nbf`` and ``iat`` against its own clock
exactly (clerk/clerk-sdk-go issue #281: a token issued a second "in the future" by a skewed
clock was refused). Fails closed: valid sessions are refused — a ``completeness`` finding."""

from __future__ import annotations

from dataclasses import replace

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import verify_token

VIOLATES = frozenset({"TOKEN-TIME/within-leeway"})


class NoLeeway(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        settings = replace(self.settings, leeway_s=0.0)
        return self.authenticate_claims(verify_token(token, self.keys, settings))


def make(settings: Settings) -> NoLeeway:
    return NoLeeway(settings)
