"""Takes the token only from ``Bearer <token>`` (``parts = value.split(" ", 1)``, any case)
and otherwise falls through to the ``__session`` cookie: a bare ``Authorization: Bearer`` —
a client whose token was empty — counts as no header, and the request is the cookie's user.
Clerk's SDKs take the bare scheme itself for the token, and refuse it."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import header_values, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset(
    {"CB-FALLBACK-ORDER/malformed-authorization", "REQ-AMBIENT-ONLY/malformed-authorization"}
)


class BareSchemeCookie(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        values = header_values(request, "authorization")
        parts = values[0].strip().split(" ", 1) if values else []
        if len(parts) == 2 and parts[0].lower() == "bearer" and parts[1].strip():
            return parts[1].strip()
        return session_cookie(request)


def make(settings: Settings) -> BareSchemeCookie:
    return BareSchemeCookie(settings)
