"""Correct but strict: refuses any session without a ``sid`` (``Unauthorized``), before it reads
the rest. Clerk's session tokens always carry one — only a JWT template may omit it — so this
refuses no session Clerk mints, and must hold every row: a token refused for its missing
``sid`` is neither another user (SID-INDEPENDENT) nor a wrong error class for a missing org
(ID-REQUIRED judges a refusal only where supplying the org gets the token in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized

VIOLATES: frozenset[str] = frozenset()
#: Judged on every row by the self-check: a strictness, never a finding.
STRICT = "requires `sid`"


class RequiresSid(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        sid = claims.get("sid") if isinstance(claims, Mapping) else None
        if not isinstance(sid, str) or not sid:
            raise Unauthorized("missing_sid", "a session token carries its sid")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> RequiresSid:
    return RequiresSid(settings)
