"""KEYS-ISOLATED: instances configured with different JWKS never accept each other's tokens.

Clerk's Go SDK once cached JWKs by bare ``kid`` across instances, so one instance's key
verified another instance's tokens (clerk/clerk-sdk-go PR #588); a published Django
integration keeps the JWKS under one fixed cache name. Each example builds two deployments in
this process — this one and another Clerk instance, whose JWKS lists other keys, half the time
under the *same* kids — in either order, lets each verify its own session (the controls, and
what fills any shared cache), then presents each with the other's token: the same claims,
signed by the other deployment's key. Then a rotation: a new instance whose JWKS no longer
lists the key an older instance just verified must refuse tokens that key signs.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from reference import Principal
from strategies import (
    draw_session_claims,
    identities,
    jwks_of,
    other_deployment_keys,
    reusing_kids,
)

from ..target import Outcome, Target, attempt, control, describe, mint, present_token, violated
from ._common import for_all
from .tokens import show


def _login(target: Target, sut: Any, token: str, what: str) -> Outcome:
    return attempt("KEYS-ISOLATED", lambda: present_token(target, sut, token), what)


def _refused(sub: str, outcome: Outcome, token: str, what: str, story: list[str]) -> None:
    if isinstance(outcome, Principal):
        violated(
            "KEYS-ISOLATED",
            sub,
            f"{what} was {describe(outcome)}\n  " + "\n  ".join(story),
            table=(("story", "; ".join(story)), ("token", show(token, 300))),
        )


@st.composite
def _scenes(draw: st.DrawFn, org: str) -> tuple[dict[str, Any], bool, bool]:
    """A session's claims; whether the other deployment reuses this one's kids; whether it is
    built first."""
    claims = draw_session_claims(draw, draw(identities(org_id=org, adversarial=False)))
    return claims, draw(st.booleans()), draw(st.booleans())


def check_keys_isolated(target: Target) -> None:
    """Another deployment's tokens are refused, in either order of construction and whatever
    kids its JWKS uses; a key a rotation retired is refused by the instances built after it."""
    home = target.keys
    retiring, kept = home.trusted

    @for_all(scene=_scenes(target.settings.org_id))
    def run(scene: tuple[dict[str, Any], bool, bool]) -> None:
        claims, same_kids, other_first = scene
        theirs = other_deployment_keys()
        if same_kids:
            theirs = reusing_kids(theirs, home.trusted)
        sub = "same-kid" if same_kids else "other-deployment"
        ours_token, their_token = (
            mint(target, claims, retiring),
            mint(target, claims, theirs[0]),
        )
        deployments: dict[str, tuple[dict[str, Any], str]] = {
            "this deployment": ({}, ours_token),
            "another deployment": ({"jwks": jwks_of(*theirs)}, their_token),
        }
        order = list(deployments)[:: -1 if other_first else 1]
        story, built = [f"kids {'reused' if same_kids else 'distinct'}"], {}
        for name in order:
            overrides, token = deployments[name]
            built[name] = sut = target.fresh(**overrides)
            outcome = _login(target, sut, token, f"{name}'s own session")
            control(outcome, f"{name}'s own session ({show(token, 200)})")
            story.append(f"{name} built, its own session {describe(outcome)}")
        for name, other in ((order[0], order[1]), (order[1], order[0])):
            token = deployments[other][1]
            outcome = _login(target, built[name], token, f"{other}'s token at {name}")
            story.append(f"{other}'s token at {name}: {describe(outcome)}")
            _refused(sub, outcome, token, f"{other}'s token at {name}", story)

        old = target.fresh()
        control(_login(target, old, ours_token, "before the rotation"), "a session before it")
        rotated = target.fresh(jwks=jwks_of(kept, home.trusted_ec))
        current = mint(target, claims, kept)
        control(_login(target, rotated, current, "after the rotation"), "a session after it")
        outcome = _login(target, rotated, ours_token, "a retired key's token")
        _refused(
            "retired-key",
            outcome,
            ours_token,
            f"a token signed by {retiring.kid}, after a rotation dropped it from the JWKS,",
            [f"an instance listing {retiring.kid} accepted it; a new one lists only {kept.kid}"],
        )

    run()
