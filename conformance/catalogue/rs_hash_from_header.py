"""Verifies PKCS#1 v1.5 with the hash the header names — RS256, RS384 or RS512 — "since they
are all RSA": the deployment allows RS256 alone, yet a token the trusted key signed as RS384 or
RS512 is accepted."""

from __future__ import annotations

from reference import Settings

from ._base import HandRolledVerifier, rsa_verified

VIOLATES = frozenset({"TOKEN-SIGNATURE/other-algorithm"})


class RsHashFromHeader(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        return rsa_verified(self, token, ("RS256", "RS384", "RS512"))


def make(settings: Settings) -> RsHashFromHeader:
    return RsHashFromHeader(settings)
