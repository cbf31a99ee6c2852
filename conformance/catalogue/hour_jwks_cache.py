"""Keeps the JWKS it fetched from the deployment's endpoint for an hour, whatever TTL the
deployment declares: a key the endpoint dropped — rotated out, or revoked after a leak — keeps
verifying tokens for up to an hour (a published Django integration's process-wide JWKS cache,
issue 23)."""

from __future__ import annotations

from reference import ReferenceAuthenticator, Settings

VIOLATES = frozenset({"KEYS-ISOLATED/rotated-in-place"})


class HourJwksCache(ReferenceAuthenticator):
    def jwks_ttl(self) -> float:
        return 3600.0


def make(settings: Settings) -> HourJwksCache:
    return HourJwksCache(settings)
