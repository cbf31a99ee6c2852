"""Takes the token as ``value.split(" ")[1]`` once the ``Authorization`` value starts with
``bearer`` (any case) — the line of many a middleware: a bare ``Authorization: Bearer``, or a
no-break space where the space belongs, raises ``IndexError`` where a refusal belongs, a 500
anyone can cause."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import header_values, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset({"TOTAL/request-layer"})


class BearerIndex(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        values = header_values(request, "authorization")
        if values and values[0][:6].lower() == "bearer":
            return values[0].split(" ")[1]
        return session_cookie(request)


def make(settings: Settings) -> BearerIndex:
    return BearerIndex(settings)
