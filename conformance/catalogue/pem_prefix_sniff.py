"""Authlib 1.3.1's fix for CVE-2024-37568, as a deployment meets it: the verifier passes the key
it holds to whatever ``alg`` the header names, and an HMAC key is refused only when its text
starts with ``-----BEGIN ``. The deployment reads ``CLERK_JWT_KEY`` from a YAML block, so the
PEM it holds starts with a newline: HS256 keyed with exactly those bytes verifies."""

from __future__ import annotations

from reference import Settings
from reference.tokens import read_header

from ._base import HMACS, HandRolledVerifier, hmac_matches

VIOLATES = frozenset({"TOKEN-SIGNATURE/hmac-held-key"})


class PemPrefixSniff(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        alg = read_header(token).get("alg")
        if alg not in HMACS:
            return None
        held = (self.settings.jwt_key or "").encode()
        if held.startswith(b"-----BEGIN "):  # "a public key is no HMAC secret"
            return False
        return hmac_matches(token, str(alg), held)


def make(settings: Settings) -> PemPrefixSniff:
    return PemPrefixSniff(settings)


make.fixed = {"key_form": "spki-pem-leading-newline"}  # type: ignore[attr-defined]
