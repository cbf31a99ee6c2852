"""Keeps the JWKS in one process-wide cache keyed by ``kid``, which every instance fills when
it is built: the last deployment built wins a ``kid`` two deployments both use, so an instance
built earlier verifies the other deployment's tokens with the other's key — and a retired key
stays in the cache after the rotation (the cache keyed by bare ``kid`` of clerk/clerk-sdk-go PR
#588; a Django integration's JWKS under one fixed cache name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

from reference import ReferenceAuthenticator, Settings
from reference.tokens import KeySet

VIOLATES = frozenset(
    {"KEYS-ISOLATED/other-deployment", "KEYS-ISOLATED/same-kid", "KEYS-ISOLATED/retired-key"}
)

#: The process-wide JWKS cache: kid → key, the last instance built winning.
_BY_KID: dict[str, jwt.PyJWK] = {}


class SharedKeySet(KeySet):
    def __init__(self, jwks: Mapping[str, Any]) -> None:
        super().__init__(jwks)
        _BY_KID.update(self._keys)

    def get(self, kid: object) -> jwt.PyJWK | None:
        return _BY_KID.get(kid) if isinstance(kid, str) else None


class KidCacheShared(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.keys = SharedKeySet(settings.jwks)


def make(settings: Settings) -> KidCacheShared:
    return KidCacheShared(settings)
