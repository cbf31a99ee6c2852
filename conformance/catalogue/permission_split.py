"""Computes the org's permissions as @clerk/shared's ``parsePermissions`` does, but without its
guard: once ``fea`` is there, ``claims["o"]["per"].split(",")`` and the same of ``o.fpm`` —
``fea`` with no ``o.per`` (or no ``o``) raises ``KeyError``, a ``per`` or ``fpm`` that is not a
string ``AttributeError``, where a principal or a refusal belongs (Clerk's Java SDK 5.0.0
answers 500 to the first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/v2-claims"})


def org_permissions(claims: Mapping[str, Any]) -> list[str]:
    """``org:<feature>:<permission>`` for each bit ``o.fpm`` sets, by org feature of ``fea``."""
    if not claims.get("fea"):
        return []
    names = claims["o"]["per"].split(",")
    masks = [int(mask) for mask in claims["o"]["fpm"].split(",")]
    features = [f[2:] for f in claims["fea"].split(",") if f.startswith("o:")]
    return [
        f"org:{feature}:{name}"
        for feature, mask in zip(features, masks, strict=False)
        for bit, name in enumerate(names)
        if mask >> bit & 1
    ]


class PermissionSplit(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        self.permissions = org_permissions(claims)
        return identity


def make(settings: Settings) -> PermissionSplit:
    return PermissionSplit(settings)
