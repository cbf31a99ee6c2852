"""Looks a ``kid`` its own JWKS does not list up in a process-wide cache of every key any
instance has loaded — "another instance may have fetched it". So a token of another deployment
in the same process verifies, and so does one signed by a key a rotation retired (the cache
keyed by bare ``kid`` across instances of clerk/clerk-sdk-go PR #588)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

from reference import ReferenceAuthenticator, Settings
from reference.tokens import KeySet

VIOLATES = frozenset({"KEYS-ISOLATED/other-deployment", "KEYS-ISOLATED/retired-key"})

#: Every key any instance in this process has loaded, by kid.
_SEEN: dict[str, jwt.PyJWK] = {}


class FallbackKeySet(KeySet):
    def __init__(self, jwks: Mapping[str, Any]) -> None:
        super().__init__(jwks)
        _SEEN.update(self._keys)

    def get(self, kid: object) -> jwt.PyJWK | None:
        own = super().get(kid)
        return own if own is not None or not isinstance(kid, str) else _SEEN.get(kid)


class KidCacheFallback(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.keys = FallbackKeySet(settings.jwks)


def make(settings: Settings) -> KidCacheFallback:
    return KidCacheFallback(settings)
