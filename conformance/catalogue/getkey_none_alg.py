"""jsonwebtoken 8.5.1 (CVE-2022-23540) with the README's ``getKey`` callback over a JWKS: the
callback finds no key for an unknown or absent ``kid`` and hands ``verify`` nothing; with no
key and no ``algorithms`` option the library defaults to ``none``, so a token with ``alg:
none`` and an empty signature is valid. The trusted ``kid`` never reaches that path."""

from __future__ import annotations

from reference import Settings
from reference.tokens import compact_segments, read_header

from ._base import HandRolledVerifier

VIOLATES = frozenset({"TOKEN-SIGNATURE/alg-none"})


class GetKeyNoneAlg(HandRolledVerifier):
    def hand_verified(self, token: str) -> bool | None:
        header = read_header(token)
        if self.keys.get(header.get("kid")) is not None:
            return None  # getKey found the key: verified with it, RS256
        return header.get("alg") == "none" and compact_segments(token)[2] == b""


def make(settings: Settings) -> GetKeyNoneAlg:
    return GetKeyNoneAlg(settings)
