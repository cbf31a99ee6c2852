"""A *correct* implementation, not a flawed one: the reference, but refusing any token whose
``iss`` is not the pinned issuer or — with none pinned — not a Clerk Frontend API URL
(``https://<name>.clerk.accounts.dev`` or ``https://clerk.<domain>``), as Clerk's Go SDK does.
The harness mints tokens as Clerk does, so this requirement must change no verdict: it must
violate nothing and decide every row."""

from __future__ import annotations

import re
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import verify_token

VIOLATES: frozenset[str] = frozenset()
CLERK_ISSUER = re.compile(r"https://([a-z0-9-]+\.clerk\.accounts\.dev|clerk\.[a-z0-9.-]+)")


def check_issuer(claims: dict[str, Any], settings: Settings) -> None:
    """``iss`` must be present and the pinned issuer, or Clerk-shaped when none is pinned."""
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        raise Unauthorized("missing_iss", 'Token is missing the "iss" claim')
    if settings.issuer is None and not CLERK_ISSUER.fullmatch(issuer):
        raise Unauthorized("bad_iss", f"iss {issuer!r} is not a Clerk issuer")


class ClerkIssuerRequired(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_token(token, self.keys, self.settings)
        check_issuer(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> ClerkIssuerRequired:
    return ClerkIssuerRequired(settings)
