"""Correct but strict: reads ``iat``, ``nbf`` and ``exp`` into signed 32-bit integers, as
clerk-rs 0.5.0's claims struct does (``i32`` fields): a time past 2038-01-19T03:14:07Z does
not fit, deserializing fails, and the session is refused (``Unauthorized``). Every session
Clerk mints from then on is refused: one VALID-ACCEPTED/after-2038 finding names the instant;
the rows that move the clock past it (TOKEN-TIME's jumps of up to 30 years) are decided on the
controls before it, and count the ones after it as ``after-2038``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized

VIOLATES = frozenset({"VALID-ACCEPTED/after-2038"})
STRICT = "reads times as 32-bit integers"
I32 = range(-(2**31), 2**31)


class I32Times(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        for name in ("iat", "nbf", "exp"):
            value = claims.get(name) if isinstance(claims, Mapping) else None
            if isinstance(value, int | float) and not isinstance(value, bool) and value not in I32:
                raise Unauthorized("malformed_token", f"{name}: invalid value {value}, i32")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> I32Times:
    return I32Times(settings)
