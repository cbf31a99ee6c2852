"""Its middleware path forgets the session status: ``authenticate_request`` copies the verified
claims it knows into its own session object, and ``sts`` is not among them — so a pending
session (a sign-in whose second factor is still owed) is signed in through the middleware,
while the token path refuses it (the drift of clerk/javascript PR #9511)."""

from __future__ import annotations

from reference import Principal, Request, Settings

from ._base import Middleware

VIOLATES = frozenset({"PATH-CONSISTENT/refused-elsewhere"})


class MiddlewareSkipsPending(Middleware):
    def authenticate_request(self, request: Request) -> Principal:
        claims = self.verified(request)
        return self.authenticate_claims({k: v for k, v in claims.items() if k != "sts"})


def make(settings: Settings) -> MiddlewareSkipsPending:
    return MiddlewareSkipsPending(settings)
