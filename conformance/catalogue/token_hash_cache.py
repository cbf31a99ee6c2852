"""Caches each verified token's claims in the cache backend under the SHA-256 of the token, with
no part naming the deployment, and answers a cached token without verifying it: deployments
sharing one Redis accept each other's tokens once the other has verified them (a published
integration's payload cache, issue 23)."""

from __future__ import annotations

import hashlib

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import verify_token

VIOLATES = frozenset({"KEYS-ISOLATED/shared-cache"})


class TokenHashCache(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        cache = self.settings.shared_cache
        if cache is None or not isinstance(token, str):
            return super().authenticate_token(token)
        key = "clerk:payload:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        claims = cache.get(key)
        if claims is None:
            claims = verify_token(token, self.keys, self.settings)
            cache.set(key, claims, self.settings.cache_ttl_s)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> TokenHashCache:
    return TokenHashCache(settings)
