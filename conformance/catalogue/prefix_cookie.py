"""Reads the first cookie whose name *starts with* ``__session`` — meant for Clerk's suffixed
``__session_<suffix>`` cookies, but it takes whichever comes first, another application's or
one planted from a sibling subdomain (what clerk-backend-api 7.0.0 does, docs/findings.md §2.3)."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import bearer_token, cookies

from ._base import AmbientReader

VIOLATES = frozenset({"CB-FALLBACK-ORDER/decoy-cookie", "REQ-AMBIENT-ONLY/decoy-cookie"})


class PrefixCookie(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        prefixed = [v for name, v in cookies(request) if name.startswith("__session") and v]
        return bearer_token(request) or (prefixed[0] if prefixed else None)


def make(settings: Settings) -> PrefixCookie:
    return PrefixCookie(settings)
