"""Caches each verified session's claims in the cache backend under ``session:<sid>``, and
answers a token naming a cached session from there, unverified: a deployment sharing the
backend accepts another deployment's token for a session that deployment verified — the seed's
``sid``-keyed cache, moved to a shared Redis."""

from __future__ import annotations

from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import compact_segments, parse_json_object, verify_token

VIOLATES = frozenset({"KEYS-ISOLATED/shared-cache"})


def _unverified_sid(token: str) -> Any:
    try:
        return parse_json_object(compact_segments(token)[1]).get("sid")
    except Unauthorized:
        return None


class SidSessionCache(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        cache, sid = self.settings.shared_cache, _unverified_sid(token)
        if cache is None or not isinstance(sid, str) or not sid:
            return super().authenticate_token(token)
        claims = cache.get(f"session:{sid}")
        if claims is None:
            claims = verify_token(token, self.keys, self.settings)
            cache.set(f"session:{sid}", claims, self.settings.cache_ttl_s)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> SidSessionCache:
    return SidSessionCache(settings)
