"""VALID-ACCEPTED: every session Clerk mints is accepted — the completeness row that names a
shape an implementation refuses, once, where the other rows only count the controls it cost."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies import CLERK_ROLES, draw_session_claims, identities

from ..findings import control
from ..target import Target, describe, try_claims, violated
from ._common import for_all

ROW = "VALID-ACCEPTED"
_ROLES: tuple[str | None, ...] = (*CLERK_ROLES, None)


@st.composite
def _minted(draw: st.DrawFn, org: str) -> list[dict[str, Any]]:
    """One session of a plain identity as Clerk mints it in each shape (v1, then v2): its
    ``sid``, one of Clerk's roles or none, the optional parts (permissions, ``azp``, ``sts``,
    profile claims) as drawn."""
    who = draw(identities(org_id=org, adversarial=False))
    role = draw(st.sampled_from(_ROLES))
    return [
        draw_session_claims(draw, who, shape=shape, role=role, noise=False)
        for shape in ("v1", "v2")
    ]


def check_valid_accepted(target: Target) -> None:
    """A v1 or v2 session as Clerk mints it is accepted, through the strongest entry point."""

    @for_all(sessions=_minted(target.settings.org_id))
    def run(sessions: list[dict[str, Any]]) -> None:
        for shape, claims in zip(("v1", "v2"), sessions, strict=True):
            outcome = try_claims(ROW, target, target.fresh(), claims)
            if not control(outcome, f"a {shape} session {claims!r:.300}", claims=claims):
                violated(
                    ROW,
                    shape,
                    f"a {shape} session as Clerk mints it was {describe(outcome)}: {claims!r}",
                    error=outcome,
                )

    run()
