"""Checks ``exp`` when a token has one, and accepts a token without it — the default of many JWT
libraries (PyJWT, jsonwebtoken, golang-jwt) unless told to require it. A token minted without
``exp``, or with it stripped by a signing bug, is valid forever."""

from __future__ import annotations

import time

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import (
    check_audience,
    check_session_class,
    check_times,
    read_header,
    verify_signature,
)

VIOLATES = frozenset(
    {
        "TOKEN-TIME/missing-exp",
    }
)


class NoExpRequired(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_signature(token, self.keys, self.settings.algorithms)
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), self.settings.leeway_s, required=("iat",))
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> NoExpRequired:
    return NoExpRequired(settings)
