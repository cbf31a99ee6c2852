"""SESSION-TOKENS-ONLY: what Clerk issues to machines never signs anyone in, anywhere.

An M2M token put in the ``__session`` cookie once signed in as a ``mch_…`` user (clerk/javascript
PR #9168), and Clerk's Python SDK, configured as its README shows, calls ``ak_``/``mt_``/``oat_``
tokens signed in with no user at all. Each example draws an opaque machine token (``mt_``,
``oat_``, ``ak_``) and a JWT the instance's own key signed for a machine — an M2M token or an
OAuth access token (RFC 9068), half the time with custom claims naming the org — and presents
both through every entry point that accepts a valid session.
"""

from __future__ import annotations

from hypothesis import strategies as st

from reference import Principal
from strategies import draw_session_claims, identities, machine_jwts, machine_tokens

from ..subchecks import MACHINE_JWTS_CONDITION
from ..target import Target, describe, mint, violated
from ._common import for_all
from .paths import live_entries, present_at
from .tokens import show


@st.composite
def _machine_scenes(draw: st.DrawFn, target: Target) -> tuple[list[tuple[str, str]], str]:
    """An opaque machine token and a machine JWT, each as ``(sub-check, token)``, and a valid
    session's token (the control)."""
    settings = target.settings
    kind, jwt_token = draw(machine_jwts(target.keys, settings.org_id, settings.issuer))
    valid = draw_session_claims(draw, draw(identities(org_id=settings.org_id)))
    return [("opaque", draw(machine_tokens())), (kind, jwt_token)], mint(target, valid)


def check_session_tokens_only(target: Target) -> None:
    """Opaque machine tokens, M2M JWTs and OAuth access-token JWTs never authenticate as a
    user, through any entry point."""

    @for_all(scene=_machine_scenes(target))
    def run(scene: tuple[list[tuple[str, str]], str]) -> None:
        tokens, valid = scene
        live = live_entries("SESSION-TOKENS-ONLY", target, valid, "a valid session")
        for (sub, token), entry in ((t, e) for t in tokens for e in live):
            outcome = present_at("SESSION-TOKENS-ONLY", target, entry, token)
            if isinstance(outcome, Principal):
                shown = token if sub == "opaque" else show(token, 400)
                condition = "" if sub == "opaque" else f" {MACHINE_JWTS_CONDITION}"
                violated(
                    "SESSION-TOKENS-ONLY",
                    sub,
                    f"a machine's token through {entry[0]} was {describe(outcome)}{condition}: "
                    f"{shown}",
                    table=(("token", shown), ("entry point", entry[0])),
                )

    run()
