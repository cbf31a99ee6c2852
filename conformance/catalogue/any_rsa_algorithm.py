"""Lets the key's type pick the algorithm, as jjwt's parser (under Clerk's Java SDK) does: an
RSA key verifies RS256, RS384, RS512, PS256, PS384 or PS512, whichever the header names. The
deployment allows RS256 alone; a token the trusted key signed under another algorithm — one
the issuer signs for something else — is accepted as a session."""

from __future__ import annotations

from reference import Settings

from ._base import HandRolledVerifier, rsa_verified

VIOLATES = frozenset({"TOKEN-SIGNATURE/other-algorithm"})
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")


class AnyRsaAlgorithm(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        return rsa_verified(self, token, RSA_ALGORITHMS)


def make(settings: Settings) -> AnyRsaAlgorithm:
    return AnyRsaAlgorithm(settings)
