"""Verifies a token that carries its own public key (a ``jwk`` header) with *that* key — a
"self-contained token" feature (CVE-2018-0114 in node-jose). Whoever signs a token with any key
and attaches it is believed."""

from __future__ import annotations

import time

import jwt
from jwt.api_jws import PyJWS

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import (
    check_audience,
    check_session_class,
    check_times,
    parse_json_object,
    read_header,
)

VIOLATES = frozenset(
    {
        "TOKEN-SIGNATURE/embedded-jwk",
    }
)


class EmbeddedJwk(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        header = read_header(token)
        if not isinstance(header.get("jwk"), dict):
            return super().authenticate_token(token)
        try:
            key = jwt.PyJWK(header["jwk"])
            verified = PyJWS().decode_complete(token, key=key, algorithms=[key.algorithm_name])
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("bad_signature", str(exc)) from exc
        claims = parse_json_object(verified["payload"])
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), self.settings.leeway_s)
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> EmbeddedJwk:
    return EmbeddedJwk(settings)
