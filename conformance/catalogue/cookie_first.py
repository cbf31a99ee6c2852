"""Prefers the ``__session`` cookie over ``Authorization: Bearer``: a request that says who it
is in its header is answered as whoever the browser's cookie belongs to."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import bearer_token, relayed_token, session_cookie

# With an invalid Bearer token and a valid cookie it logs in as the cookie's owner: the
# login that must fail does not.
VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/bearer-refused",
        "CB-FALLBACK-ORDER/lower-precedence",
        "CB-NO-FALLBACK-ON-FAILURE",
        "REQ-AMBIENT-ONLY/bearer-refused",
        "REQ-AMBIENT-ONLY/lower-precedence",
    }
)


class CookieFirst(ReferenceAuthenticator):
    def ambient(self, request: Request) -> str:
        token = session_cookie(request) or bearer_token(request)
        if token is None:
            raise Unauthorized("no_token")
        return token

    def authenticate_request(self, request: Request) -> Principal:
        return self.authenticate_token(self.ambient(request))

    def callback_subject(self, request: Request) -> Principal:
        return self.authenticate_token(relayed_token(request) or self.ambient(request))


def make(settings: Settings) -> CookieFirst:
    return CookieFirst(settings)
