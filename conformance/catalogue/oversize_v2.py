"""Correct but strict: reads a v2 org of ``id``, ``rol`` and ``slg`` only, and refuses one
that carries more (feature permissions ``per``/``fpm``) as an org it cannot read
(``InvalidClaims``) — checked on the payload before anything else, as a decoder that reads
first and verifies after does (it only ever refuses on what it has not verified). A huge or
otherwise malformed v2 token with permissions is refused for its org, not its size: the same
token without the mutation is refused alike, so it is no TOKEN-MALFORMED error-class
finding. One VALID-ACCEPTED finding names the refused shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import AuthError, InvalidClaims, Principal, ReferenceAuthenticator, Settings
from reference.tokens import b64url_decode, parse_json_object

VIOLATES = frozenset({"VALID-ACCEPTED/v2"})
STRICT = "refuses a v2 org with permissions, for its org"
READ = frozenset({"id", "rol", "slg"})


def _oversize_org(claims: object) -> bool:
    nested = claims.get("o") if isinstance(claims, Mapping) else None
    return isinstance(nested, Mapping) and not set(nested) <= READ


class OversizeV2(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if _oversize_org(claims):
            raise InvalidClaims("org_unreadable", "a v2 org with more than id, rol and slg")
        return super().authenticate_claims(claims)

    def authenticate_token(self, token: str) -> Principal:
        try:  # read first, refusing only: what it accepts is verified below
            payload = parse_json_object(b64url_decode(token.split(".")[1]))
        except (AuthError, IndexError, AttributeError):
            payload = None
        if _oversize_org(payload):
            raise InvalidClaims("org_unreadable", "a v2 org with more than id, rol and slg")
        return super().authenticate_token(token)


def make(settings: Settings) -> OversizeV2:
    return OversizeV2(settings)
