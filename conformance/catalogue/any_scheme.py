"""Takes whatever follows the first space of the ``Authorization`` header as the token
(``_, _, token = value.partition(" ")``), never reading the scheme: ``Basic <jwt>`` or
``Token <jwt>`` signs in as well as ``Bearer <jwt>`` (seen in a PyPI integration read for issue
23: ``Authorization: Basic <jwt>`` authenticates). A value with no space — a bare ``Bearer``,
``Bearer`` run into its token — has no token, and the ``__session`` cookie is read instead."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import header_values, session_cookie

from ._base import AmbientReader

VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/malformed-authorization",
        "REQ-AMBIENT-ONLY/malformed-authorization",
        "REQ-AMBIENT-ONLY/scheme",
    }
)


class AnyScheme(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        values = header_values(request, "authorization")
        token = values[0].partition(" ")[2].strip() if values else ""
        return token or session_cookie(request)


def make(settings: Settings) -> AnyScheme:
    return AnyScheme(settings)
