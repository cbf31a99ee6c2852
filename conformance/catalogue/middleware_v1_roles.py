"""Its middleware was written for v1 tokens: ``authenticate_request`` takes the role from the
flat ``org_role`` claim alone, and a session without one is a member (viewer). A v2 token
carries its role in ``o.rol`` and no ``org_role``, so through the middleware a v2 guest is a
viewer and a v2 admin a viewer, while the token path reads both shapes (the kind of drift of
clerk/javascript PR #9469: one path reads claims the other does not)."""

from __future__ import annotations

from dataclasses import replace

from reference import Principal, Request, Role, Settings

from ._base import Middleware

VIOLATES = frozenset({"PATH-CONSISTENT/principal-differs"})

_V1_ROLES = {"org:admin": Role.ADMIN, "org:guest": Role.GUEST}


class MiddlewareV1Roles(Middleware):
    def authenticate_request(self, request: Request) -> Principal:
        claims = self.verified(request)
        principal = self.authenticate_claims(claims)
        return replace(principal, role=_V1_ROLES.get(str(claims.get("org_role")), Role.VIEWER))


def make(settings: Settings) -> MiddlewareV1Roles:
    return MiddlewareV1Roles(settings)
