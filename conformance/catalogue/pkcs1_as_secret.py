"""fast-jwt before 3.3.2 (CVE-2023-48223): the verifier tells a public key from an HMAC secret
by matching ``-----BEGIN PUBLIC KEY-----`` or a certificate in its text, and lets a secret sign
HS256/384/512 beside RS256. The deployment holds its key as PKCS#1 (``-----BEGIN RSA PUBLIC
KEY-----``, what ``openssl rsa -RSAPublicKey_out`` writes): no match, so a secret — and HS256
keyed with the PEM it holds verifies."""

from __future__ import annotations

from reference import Settings
from reference.tokens import read_header

from ._base import HMACS, HandRolledVerifier, hmac_matches

VIOLATES = frozenset({"TOKEN-SIGNATURE/hmac-held-key"})
PUBLIC_MARKERS = ("-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----")


class Pkcs1AsSecret(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        alg = read_header(token).get("alg")
        if alg not in HMACS:
            return None
        held = self.settings.jwt_key or ""
        if any(marker in held for marker in PUBLIC_MARKERS):
            return False
        return hmac_matches(token, str(alg), held.encode())


def make(settings: Settings) -> Pkcs1AsSecret:
    return Pkcs1AsSecret(settings)


make.fixed = {"key_form": "pkcs1-pem"}  # type: ignore[attr-defined]
