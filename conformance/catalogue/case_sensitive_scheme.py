"""Recognises only ``Authorization: Bearer <token>`` spelt exactly so (``value.replace("Bearer ",
"")``): ``bearer …`` or ``BEARER …`` — the scheme is case-insensitive (RFC 9110 §11.1) — is
signed out. Fails closed: a ``completeness`` finding (clerk-backend-api 7.0.0, §2.3)."""

from __future__ import annotations

from reference import Request, Settings, Unauthorized
from reference.requests import header_values, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset(
    {"CB-FALLBACK-ORDER/bearer-scheme-case", "REQ-AMBIENT-ONLY/bearer-scheme-case"}
)


class CaseSensitiveScheme(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        values = header_values(request, "authorization")
        if values:  # an Authorization header, of any scheme, hides the cookie
            if not values[0].startswith("Bearer "):
                raise Unauthorized("token_invalid", f"not a Bearer token: {values[0][:20]!r}")
            return values[0][len("Bearer ") :]
        return session_cookie(request)


def make(settings: Settings) -> CaseSensitiveScheme:
    return CaseSensitiveScheme(settings)
