"""Reads the first cookie whose name *starts with* ``__session`` — meant for Clerk's suffixed
``__session_<suffix>`` cookies, but it takes whichever comes first, another application's or
one planted from a sibling subdomain (what clerk-backend-api 7.0.0 does, docs/findings.md §2.3)."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import bearer_token, cookies, relayed_token

VIOLATES = frozenset({"CB-FALLBACK-ORDER/decoy-cookie", "REQ-AMBIENT-ONLY/decoy-cookie"})


class PrefixCookie(ReferenceAuthenticator):
    def ambient(self, request: Request) -> str:
        prefixed = [v for name, v in cookies(request) if name.startswith("__session") and v]
        token = bearer_token(request) or (prefixed[0] if prefixed else None)
        if token is None:
            raise Unauthorized("no_token")
        return token

    def authenticate_request(self, request: Request) -> Principal:
        return self.authenticate_token(self.ambient(request))

    def callback_subject(self, request: Request) -> Principal:
        return self.authenticate_token(relayed_token(request) or self.ambient(request))


def make(settings: Settings) -> PrefixCookie:
    return PrefixCookie(settings)
