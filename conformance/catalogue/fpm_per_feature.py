"""Reads one ``o.fpm`` mask per org feature of ``fea`` by index — ``masks[i]`` for the i-th
feature, and each mask's bits against ``o.per`` by ``names[bit]`` — trusting the three to agree:
``fpm`` with fewer masks than ``fea`` has org features, or a mask with more bits than ``per``
has names, raises ``IndexError``; ``o.per`` or ``o.fpm`` absent, null or not a string is read as
no permissions (it checks those)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Identity, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"TOTAL/v2-claims"})


def _strings(claims: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """``fea``, ``o.per`` and ``o.fpm`` when each is a string, else ``None``."""
    nested = claims.get("o")
    if not isinstance(nested, Mapping):
        return None
    found = (claims.get("fea"), nested.get("per"), nested.get("fpm"))
    if not all(isinstance(value, str) and value for value in found):
        return None
    return found  # type: ignore[return-value]


def org_permissions(claims: Mapping[str, Any]) -> list[str]:
    """``org:<feature>:<permission>`` for each bit set, the i-th mask for the i-th org feature."""
    found = _strings(claims)
    if found is None:
        return []
    fea, per, fpm = found
    features = [f[2:] for f in fea.split(",") if f.startswith("o:")]
    names, masks = per.split(","), [int(m) for m in fpm.split(",") if m.strip().isdigit()]
    granted = []
    for i, feature in enumerate(features):
        mask = masks[i]
        for bit in range(mask.bit_length()):
            if mask >> bit & 1:
                granted.append(f"org:{feature}:{names[bit]}")
    return granted


class FpmPerFeature(ReferenceAuthenticator):
    def identify(self, claims: Mapping[str, Any]) -> Identity:
        identity = super().identify(claims)
        self.permissions = org_permissions(claims)
        return identity


def make(settings: Settings) -> FpmPerFeature:
    return FpmPerFeature(settings)
