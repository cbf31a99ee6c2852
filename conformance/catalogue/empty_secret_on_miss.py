"""A service that verifies Clerk's sessions by ``kid`` against the JWKS and its own HS256
service tokens with ``os.environ.get("SERVICE_JWT_SECRET", "")``: a token whose ``kid`` the
JWKS does not list goes to the HMAC path, and in this deployment the variable is unset — an
HMAC keyed with the empty string verifies, for any ``sub``."""

from __future__ import annotations

from reference import Settings
from reference.tokens import read_header

from ._base import HMACS, HandRolledVerifier, hmac_matches

VIOLATES = frozenset({"TOKEN-SIGNATURE/hmac-empty-key"})
SERVICE_SECRET = b""  # os.environ.get("SERVICE_JWT_SECRET", ""), unset here


class EmptySecretOnMiss(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        header = read_header(token)
        if self.keys.get(header.get("kid")) is not None:
            return None
        alg = header.get("alg")
        return alg in HMACS and hmac_matches(token, str(alg), SERVICE_SECRET)


def make(settings: Settings) -> EmptySecretOnMiss:
    return EmptySecretOnMiss(settings)
