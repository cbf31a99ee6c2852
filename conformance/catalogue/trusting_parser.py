"""Normalises v2 claims by copying ``o`` into a fresh dict before reading it — trusting that a
verified payload is a JSON object and ``o`` one too. Odd but JSON-valid claims (``o`` a list or
a string, the payload an array) crash it with ``TypeError``/``ValueError``/``AttributeError``:
a 500 where a typed 401 belongs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset(
    {
        "ID-REQUIRED/error-class",
        "TOTAL/crash",
    }
)


class TrustingParser(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        normalised = {**claims, "o": dict(claims.get("o") or {})}
        return super().authenticate_claims(normalised)


def make(settings: Settings) -> TrustingParser:
    return TrustingParser(settings)
