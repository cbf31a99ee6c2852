"""The shared part of the entries whose middleware lets the request say which org it is in
when the token names none in its flat ``org_id`` (every v2 token): where that comes from is
each entry's flaw."""

from __future__ import annotations

from typing import Any

from reference import Principal, ReferenceAuthenticator, Request, Unauthorized
from reference.requests import ambient_token
from reference.tokens import verify_token


class OrgFromRequest(ReferenceAuthenticator):
    def org_hint(self, request: Request) -> str | None:
        """The org the request itself names (``None``: none)."""
        raise NotImplementedError

    def authenticate_request(self, request: Request) -> Principal:
        token = ambient_token(request)
        if token is None:
            raise Unauthorized("no_token", "no Bearer token or __session cookie")
        claims: dict[str, Any] = verify_token(token, self.keys, self.settings)
        hint = self.org_hint(request)
        if not claims.get("org_id") and hint:
            claims["org_id"] = hint
            if isinstance(claims.get("o"), dict):
                claims["o"] = {**claims["o"], "id": hint}
        return self.authenticate_claims(claims)
