"""Correct but strict: a v2 reader that splits the top-level ``fea`` (``"o:dashboard,…"``)
before it reads ``o``, as a port of Clerk's own permission mapping that drops its
``if fea is None`` guard does — a v2 session without ``fea`` is refused (``InvalidClaims``).
Clerk mints ``fea`` only for an instance with features (billing, plans): one
VALID-ACCEPTED/v2 finding names the form. Audited on that row alone: ``v2_per_required``, the
class's other entry, is the one audited on every row (``STRICT``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"VALID-ACCEPTED/v2"})


class V2FeaRequired(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if isinstance(claims, Mapping) and claims.get("v") == 2:
            features = claims.get("fea")
            if not isinstance(features, str):
                raise InvalidClaims("malformed_fea", f"fea.split(','): {features!r}")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> V2FeaRequired:
    return V2FeaRequired(settings)
