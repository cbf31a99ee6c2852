"""Checks ``exp`` when a token has one, and accepts a token without it — the default of many JWT
libraries (PyJWT, jsonwebtoken, golang-jwt) unless told to require it. A token minted without
``exp``, or with it stripped by a signing bug, is valid forever."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import verify_token

VIOLATES = frozenset(
    {
        "TOKEN-TIME/missing-exp",
    }
)


class NoExpRequired(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_token(token, self.keys, self.settings, required=("iat",))
        return self.authenticate_claims(claims)


def make(settings: Settings) -> NoExpRequired:
    return NoExpRequired(settings)
