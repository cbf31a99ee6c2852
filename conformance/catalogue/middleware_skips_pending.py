"""Its middleware path forgets the session status: ``authenticate_request`` copies the verified
claims it knows into its own session object, and ``sts`` is not among them — so a pending
session (a sign-in whose second factor is still owed) is signed in through the middleware,
while the token path refuses it (the drift of clerk/javascript PR #9511)."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import ambient_token
from reference.tokens import verify_token

VIOLATES = frozenset({"PATH-CONSISTENT/refused-elsewhere"})


class MiddlewareSkipsPending(ReferenceAuthenticator):
    def authenticate_request(self, request: Request) -> Principal:
        token = ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no Bearer token or __session cookie")
        claims = verify_token(token, self.keys, self.settings)
        return self.authenticate_claims({k: v for k, v in claims.items() if k != "sts"})


def make(settings: Settings) -> MiddlewareSkipsPending:
    return MiddlewareSkipsPending(settings)
