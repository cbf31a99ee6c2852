"""VALID-ACCEPTED: every session Clerk mints is accepted — the completeness row that names a
shape an implementation refuses, once, where the other rows only count the controls it cost."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies import CLERK_ROLES, draw_session_claims, identities
from strategies.ratings import MEDIUM, USER

from ..findings import control
from ..rows import CLAIMS, Row
from ..target import Target, describe, try_claims, violated
from ._common import for_all

VALID_ACCEPTED = Row("VALID-ACCEPTED", MEDIUM, "every session Clerk mints is accepted", CLAIMS)
V1 = VALID_ACCEPTED.completeness(
    "v1",
    USER,
    "a v1 session as Clerk mints it (flat `org_id`, `org_role`) is accepted",
    fix="read v1's flat claims: `sub`, `org_id`, `org_role`, `sid`",
)
V2 = VALID_ACCEPTED.completeness(
    "v2",
    USER,
    "a v2 session as Clerk mints it (nested `o`) is accepted",
    fix="read v2's nested `o` (`o.id`, `o.rol`, optional `o.per`/`o.fpm`) beside v1's",
)


#: The sub-checks, one per shape Clerk mints, named after it (``strategies.claims_shape``).
_SHAPES = (V1, V2)
_ROLES: tuple[str | None, ...] = (*CLERK_ROLES, None)


@st.composite
def _minted(draw: st.DrawFn, org: str) -> list[dict[str, Any]]:
    """One session of a plain identity as Clerk mints it in each shape (v1, then v2): its
    ``sid``, one of Clerk's roles or none, the optional parts (permissions, ``azp``, ``sts``,
    profile claims) as drawn."""
    who = draw(identities(org_id=org, adversarial=False))
    role = draw(st.sampled_from(_ROLES))
    return [
        draw_session_claims(draw, who, shape=sub.name, role=role, noise=False) for sub in _SHAPES
    ]


@VALID_ACCEPTED.check
def check_valid_accepted(target: Target) -> None:
    """A v1 or v2 session as Clerk mints it is accepted, through the strongest entry point."""

    @for_all(sessions=_minted(target.settings.org_id))
    def run(sessions: list[dict[str, Any]]) -> None:
        for sub, claims in zip(_SHAPES, sessions, strict=True):
            shape = sub.name
            outcome = try_claims(VALID_ACCEPTED.id, target, target.fresh(), claims)
            if not control(outcome, f"a {shape} session {claims!r:.300}", claims=claims):
                violated(
                    sub,
                    f"a {shape} session as Clerk mints it was {describe(outcome)}: {claims!r}",
                    error=outcome,
                )

    run()
