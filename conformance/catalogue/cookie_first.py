"""Prefers the ``__session`` cookie over ``Authorization: Bearer``: a request that says who it
is in its header is answered as whoever the browser's cookie belongs to."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import bearer_token, session_cookie

# With an invalid Bearer token and a valid cookie it logs in as the cookie's owner: the
# login that must fail does not.
from ._base import AmbientReader

VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/bearer-refused",
        "CB-FALLBACK-ORDER/lower-precedence",
        "CB-FALLBACK-ORDER/malformed-authorization",
        "CB-NO-FALLBACK-ON-FAILURE",
        "REQ-AMBIENT-ONLY/bearer-refused",
        "REQ-AMBIENT-ONLY/lower-precedence",
        "REQ-AMBIENT-ONLY/malformed-authorization",
    }
)


class CookieFirst(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        return session_cookie(request) or bearer_token(request)


def make(settings: Settings) -> CookieFirst:
    return CookieFirst(settings)
