"""Ignores ``kid`` and tries every key it holds until one verifies — and it holds one too many:
the staging instance's public key, bundled into production config "to make local testing
easy". Anyone with the staging private key (every developer, every CI runner) mints production
sessions; tokens with unknown or no ``kid`` pass too."""

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
from strategies import signing_keys

VIOLATES = frozenset(
    {
        "TOKEN-SIGNATURE/unknown-kid",
        "TOKEN-SIGNATURE/untrusted-key",
    }
)


def staging_jwk() -> dict[str, object]:
    """The staging key: the harness's attacker key, which no deployment's JWKS publishes."""
    return signing_keys().attacker.public_jwk()


class EveryKey(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        published = [dict(jwk) for jwk in settings.jwks.get("keys", ())]
        self.ring = [jwt.PyJWK(jwk) for jwk in [*published, staging_jwk()]]

    def authenticate_token(self, token: str) -> Principal:
        alg = read_header(token).get("alg")
        if alg not in self.settings.algorithms:
            raise Unauthorized("alg_not_allowed", f"alg {alg!r}")
        for key in self.ring:
            try:
                verified = PyJWS().decode_complete(token, key=key, algorithms=[str(alg)])
            except jwt.PyJWTError:
                continue
            claims = parse_json_object(verified["payload"])
            check_session_class(read_header(token), claims)
            check_times(claims, time.time(), self.settings.leeway_s)
            check_audience(claims, self.settings)
            return self.authenticate_claims(claims)
        raise Unauthorized("bad_signature", "no key verifies the token")


def make(settings: Settings) -> EveryKey:
    return EveryKey(settings)
