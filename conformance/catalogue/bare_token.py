"""Strips an optional ``Bearer `` prefix (any case) from the ``Authorization`` header and
takes the rest as the token — so a bare ``Authorization: <jwt>`` with no scheme signs in: what
``value.replace("Bearer ", "")`` (clerk-backend-api's ``authenticaterequest.py``) and
``strings.TrimPrefix(value, "Bearer ")`` do, here without their case sensitivity."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import header_values, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset({"REQ-AMBIENT-ONLY/scheme"})


class BareToken(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        values = header_values(request, "authorization")
        if not values:
            return session_cookie(request)
        value = values[0].strip()
        return (value[7:] if value[:7].lower() == "bearer " else value).strip() or None


def make(settings: Settings) -> BareToken:
    return BareToken(settings)
