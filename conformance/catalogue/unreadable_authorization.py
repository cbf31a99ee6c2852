"""Reads the ``Authorization`` value only when it is visible ASCII and takes it for absent
otherwise — clerk-rs 0.5.0's ``header.to_str().ok()`` — so a Bearer value with a non-ASCII
character or a control byte is skipped and the ``__session`` cookie read instead: whoever
planted the cookie (a sibling subdomain) decides who a broken API call is."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import bearer_token, readable, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset(
    {"CB-FALLBACK-ORDER/malformed-authorization", "REQ-AMBIENT-ONLY/malformed-authorization"}
)


class UnreadableAuthorization(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        readable_only = tuple(
            (name, value)
            for name, value in request.headers
            if name.lower() != "authorization" or readable(value)
        )
        bare = Request(request.method, request.target, readable_only, request.body)
        return bearer_token(bare) or session_cookie(request)


def make(settings: Settings) -> UnreadableAuthorization:
    return UnreadableAuthorization(settings)
