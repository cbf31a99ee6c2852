"""Reads only ``Authorization: Bearer`` and never the ``__session`` cookie — as Clerk's Go SDK
middleware and fastapi-clerk-auth do. Safe, but incomplete: a browser's same-origin request,
which carries only the cookie, is signed out (a ``completeness`` finding, not a security one)."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import bearer_token, relayed_token

VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/cookie-refused",
        "CB-FALLBACK-ORDER/cookie-split",
        "REQ-AMBIENT-ONLY/cookie-refused",
        "REQ-AMBIENT-ONLY/cookie-split",
    }
)


class BearerOnly(ReferenceAuthenticator):
    def bearer(self, request: Request) -> str:
        token = bearer_token(request)
        if token is None:
            raise Unauthorized("no_token", "no Bearer token")
        return token

    def authenticate_request(self, request: Request) -> Principal:
        return self.authenticate_token(self.bearer(request))

    def callback_subject(self, request: Request) -> Principal:
        return self.authenticate_token(relayed_token(request) or self.bearer(request))


def make(settings: Settings) -> BearerOnly:
    return BearerOnly(settings)
