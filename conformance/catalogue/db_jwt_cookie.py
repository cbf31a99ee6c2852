"""Reads the development browser's ``__clerk_db_jwt`` cookie as the session when it is set,
before ``Authorization`` and ``__session``: that cookie is the dev instance's browser token,
not a session — and whoever plants one (a sibling subdomain can) chooses who the request is."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import ambient_token, cookies

from ._base import AmbientReader

VIOLATES = frozenset({"REQ-NO-SPOOF/cookie"})


class DbJwtCookie(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        planted = [value for name, value in cookies(request) if name == "__clerk_db_jwt"]
        return planted[0] if planted else ambient_token(request)


def make(settings: Settings) -> DbJwtCookie:
    return DbJwtCookie(settings)
