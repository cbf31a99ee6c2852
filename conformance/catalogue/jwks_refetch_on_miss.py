"""Fetches the JWKS from the deployment's endpoint once, and again only when a token names a
``kid`` it lacks — never because the copy is old: a key the endpoint dropped verifies tokens
for as long as the process lives (the fetch-on-unknown-kid pattern of JWKS clients, without a
lifespan): every forged token naming a kid the JWKS lacks is a fetch, anyone's to send."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from reference import ReferenceAuthenticator, Settings
from reference.tokens import KeySet

VIOLATES = frozenset({"KEYS-ISOLATED/rotated-in-place", "KEYS-ISOLATED/unknown-kid-fetch"})


class RefetchingKeySet(KeySet):
    def __init__(self, fetch: Callable[[], Mapping[str, Any]]) -> None:
        super().__init__(fetch())
        self.fetch = fetch

    def get(self, kid: object) -> jwt.PyJWK | None:
        key = super().get(kid)
        if key is None and isinstance(kid, str):
            self._keys.update(KeySet(self.fetch())._keys)
            key = super().get(kid)
        return key


class JwksRefetchOnMiss(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        if settings.jwks_source is not None:
            self.keys = RefetchingKeySet(settings.jwks_source)

    def jwks_ttl(self) -> float:
        return math.inf


def make(settings: Settings) -> JwksRefetchOnMiss:
    return JwksRefetchOnMiss(settings)
