"""Sessions as Clerk mints them, in every form its session-token docs describe: the controls
VALID-ACCEPTED presents, each with the optional parts it carries named.

* **v1** (the docs' "Version 1" tab): ``sub``, ``sid`` and the active org's ``org_id``, with any
  subset of ``org_slug``, ``org_role`` (``org:admin``) and ``org_permissions`` (a list of
  ``org:feature:permission``).
* **v2** (default since 2025-04-14): ``"v": 2``, ``sts``, ``fva`` and ``o`` with the org's
  ``id``, with any subset of ``o.rol``, ``o.slg``, ``o.per`` with ``o.fpm`` (comma-separated
  permissions, and one bit mask per feature), the top-level ``fea`` (``o:dashboard,…``, the
  features ``fpm`` maps) and ``pla`` (``o:pro``, the org's plan).
* **Both**: ``sid`` and ``nbf`` always (Clerk mints them on every session token); ``azp``
  present or absent ("omitted if the Origin header is empty"); the times, ``iss`` and ``azp``
  are added when the session is minted at an instant (``tokens.with_times``).

``session_claims`` draws the form every other row uses; this module draws the forms a reader
gets wrong, which ``session_claims`` does not vary (its draws stay the same for every row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from .claims import CLERK_ROLES, draw_session_claims
from .identities import ClerkIdentity

#: The optional org claims of a v1 session, each present or not.
V1_PARTS = ("org_slug", "org_role", "org_permissions")
#: The optional parts of a v2 session, each present or not (``o.per`` comes with ``o.fpm``).
V2_PARTS = ("o.rol", "o.slg", "o.per", "fea", "pla")
PARTS = {"v1": V1_PARTS, "v2": V2_PARTS}
#: What each part carries: two org features, the permissions ``fpm`` grants on them (``3``:
#: read and manage on the first, ``1``: read on the second), as v1 lists them.
SLUG, PLAN = "acme", "o:pro"
FEATURES, PERMISSIONS, FEATURE_MASKS = "o:dashboard,o:impersonation", "read,manage", "3,1"
ORG_PERMISSIONS = ("org:dashboard:read", "org:dashboard:manage", "org:impersonation:read")
#: The claims this module sets (any the base session drew are dropped first).
_OWN = frozenset({"org_slug", "org_role", "org_permissions", "o", "fea", "pla", "azp"})


@dataclass(frozen=True)
class Minted:
    """One session as Clerk mints it: its shape, the optional parts it carries, its claims
    (without the times, ``iss`` and ``azp`` that minting at an instant adds) and whether it
    carries ``azp``."""

    shape: str
    parts: tuple[str, ...]
    claims: Mapping[str, Any]
    azp: bool

    @property
    def said(self) -> str:
        """Its form in words: ``v2 with o.rol, fea; without o.slg, o.per, pla; no azp``."""
        absent = [part for part in PARTS[self.shape] if part not in self.parts]
        said = [f"with {', '.join(self.parts)}"] if self.parts else []
        said += [f"without {', '.join(absent)}"] if absent else []
        said += [] if self.azp else ["no azp"]
        return f"{self.shape} {'; '.join(said)}"


def v1_claims(base: Mapping[str, Any], parts: tuple[str, ...], role: str) -> dict[str, Any]:
    """``base`` (a v1 session) with exactly the optional org claims ``parts`` names."""
    claims = {name: value for name, value in base.items() if name not in _OWN}
    if "org_slug" in parts:
        claims["org_slug"] = SLUG
    if "org_role" in parts:
        claims["org_role"] = f"org:{role}"
    if "org_permissions" in parts:
        claims["org_permissions"] = list(ORG_PERMISSIONS)
    return claims


def v2_claims(
    base: Mapping[str, Any], org_id: str, parts: tuple[str, ...], role: str
) -> dict[str, Any]:
    """``base`` (a v2 session) with an ``o`` of ``org_id`` and exactly the parts ``parts``
    names."""
    claims = {name: value for name, value in base.items() if name not in _OWN}
    nested: dict[str, Any] = {"id": org_id}
    if "o.rol" in parts:
        nested["rol"] = role
    if "o.slg" in parts:
        nested["slg"] = SLUG
    if "o.per" in parts:
        nested.update(per=PERMISSIONS, fpm=FEATURE_MASKS)
    claims["o"] = nested
    if "fea" in parts:
        claims["fea"] = FEATURES
    if "pla" in parts:
        claims["pla"] = PLAN
    return claims


def _chosen(names: tuple[str, ...], bits: int) -> tuple[str, ...]:
    """The names whose bit is set in ``bits`` (its lowest ``len(names)`` bits)."""
    return tuple(name for i, name in enumerate(names) if bits >> i & 1)


#: The forms of one identity's v1 and v2 sessions, their ``azp`` and role, as one number:
#: one choice where separate draws cost a dozen. Shrinks to both without any optional part.
_FORMS = 1 << (len(V1_PARTS) + len(V2_PARTS) + 2)
_LAYOUT = st.integers(0, _FORMS * len(CLERK_ROLES) - 1)


def draw_minted(draw: st.DrawFn, identity: ClerkIdentity) -> tuple[Minted, Minted]:
    """``identity``'s v1 and v2 sessions as Clerk mints them, each with any subset of its
    optional parts and with or without ``azp``; one of Clerk's roles where a role is carried.
    ``identity`` names an org (Clerk's org claims are about the active one)."""
    if identity.org_id is None or identity.user_id is None:
        raise ValueError(f"a minted session names a user in an org, not {identity!r}")
    layout, role_index = divmod(draw(_LAYOUT), len(CLERK_ROLES))
    role = CLERK_ROLES[role_index]
    v1_parts, rest = _chosen(V1_PARTS, layout), layout >> len(V1_PARTS)
    v2_parts, azp = _chosen(V2_PARTS, rest), rest >> len(V2_PARTS)
    v1_base = draw_session_claims(draw, identity, shape="v1", role=None, noise=False)
    v2_base = draw_session_claims(draw, identity, shape="v2", role=None, noise=False)
    return (
        Minted("v1", v1_parts, v1_claims(v1_base, v1_parts, role), bool(azp & 1)),
        Minted("v2", v2_parts, v2_claims(v2_base, identity.org_id, v2_parts, role), bool(azp & 2)),
    )


@st.composite
def minted_sessions(draw: st.DrawFn, identity: ClerkIdentity) -> tuple[Minted, Minted]:
    """``draw_minted`` as a strategy."""
    return draw_minted(draw, identity)
