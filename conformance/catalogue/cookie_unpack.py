"""Parses the ``Cookie`` header with ``name, value = crumb.strip().split("=", 1)``, as Clerk's
Java SDK reads ``kv[1]`` of ``crumb.split("=", 2)``: a cookie with no ``=`` — ``Cookie:
__session``, a bare ``theme`` flag, an empty header — raises ``ValueError`` where a refusal
belongs, a 500 anyone can cause."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import SESSION_COOKIE, bearer_token, header_values

from ._base import AmbientReader

VIOLATES = frozenset({"TOTAL/request-layer"})


def unpacked_session(request: Request) -> str | None:
    """The ``__session`` value, each crumb unpacked into a name and a value."""
    for header in header_values(request, "cookie"):
        for crumb in header.split(";"):
            name, value = crumb.strip().split("=", 1)
            if name == SESSION_COOKIE and value:
                return value
    return None


class CookieUnpack(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        return bearer_token(request) or unpacked_session(request)


def make(settings: Settings) -> CookieUnpack:
    return CookieUnpack(settings)
