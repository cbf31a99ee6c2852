"""Reads only ``Authorization: Bearer`` and never the ``__session`` cookie — as Clerk's Go SDK
middleware and fastapi-clerk-auth do. Safe, but incomplete: a browser's same-origin request,
which carries only the cookie, is signed out (a ``completeness`` finding, not a security one)."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import bearer_token

from ._base import AmbientReader

VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/cookie-refused",
        "CB-FALLBACK-ORDER/cookie-split",
        "REQ-AMBIENT-ONLY/cookie-refused",
        "REQ-AMBIENT-ONLY/cookie-split",
    }
)


class BearerOnly(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        return bearer_token(request)


def make(settings: Settings) -> BearerOnly:
    return BearerOnly(settings)
