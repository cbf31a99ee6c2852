"""KEYS-ISOLATED: instances configured with different JWKS never accept each other's tokens.

Clerk's Go SDK once cached JWKs by bare ``kid`` across instances, so one instance's key
verified another instance's tokens (clerk/clerk-sdk-go PR #588); a published Django
integration keeps the JWKS under one fixed cache name. Each example builds two deployments in
this process — this one and another Clerk instance, whose JWKS lists other keys, half the time
under the *same* kids — in either order, lets each verify its own session (the controls, and
what fills any shared cache), then presents each with the other's token: the same claims,
signed by the other deployment's key. When both refused, the same two deployments are built
again sharing one cache backend (``Settings.shared_cache``, as two deployments share one Redis):
still neither may accept the other's token — a payload cache keyed by the token alone lets one
skip the verification the other did. Then a rotation: a new instance whose JWKS no longer lists
the key an older instance just verified must refuse tokens that key signs; and a rotation in
place: an instance reading its keys from a JWKS endpoint (``Settings.jwks_source``) that drops a
key mid-life must refuse that key's tokens once the declared ``jwks_ttl_s`` has passed. An
instance that never reads the endpoint (a key only the endpoint lists is refused) is not judged
on that part: it cannot be told that a key was dropped.
"""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import strategies as st

from reference import Principal, SharedCache
from strategies import (
    SigningKeys,
    clerk_ids,
    draw_session_claims,
    identities,
    jwks_of,
    other_deployment_keys,
    reusing_kids,
)
from strategies.clock import EPOCH, Clock, frozen_clock
from strategies.keys import SigningKey
from strategies.ratings import ANYONE, CRITICAL, HIGH, MEDIUM, USER

from ..findings import SubCheck
from ..rows import Row
from ..target import Outcome, Target, attempt, control, describe, mint, present_token, violated
from ._common import for_all, is_capturing
from .tokens import show

KEYS_ISOLATED = Row(
    "KEYS-ISOLATED",
    CRITICAL,
    "another deployment's or a retired key's tokens are refused",
    (
        "authenticate_token",
        "authenticate_request",
        "callback_subject",
    ),
    any_of=True,
)
OTHER_DEPLOYMENT = KEYS_ISOLATED.security(
    "other-deployment",
    USER,
    "another deployment's token is refused",
    fix="give each instance its own JWKS; never a process-wide key cache",
)
SAME_KID = KEYS_ISOLATED.security(
    "same-kid",
    USER,
    "another deployment's token under one of our kids is refused",
    fix="cache keys per JWKS (per instance), never by `kid` alone across instances",
)
RETIRED_KEY = KEYS_ISOLATED.security(
    "retired-key",
    USER,
    "a key a rotation dropped is refused by newer instances",
    fix="replace the key set on rotation; never merge old keys into a shared cache",
)
ROTATED_IN_PLACE = KEYS_ISOLATED.security(
    "rotated-in-place",
    USER,
    "a key the JWKS endpoint dropped is refused once jwks_ttl_s has passed",
    HIGH,
    fix="cache the fetched JWKS for the deployment's declared TTL at most, then refetch",
)
UNKNOWN_KID_FETCH = KEYS_ISOLATED.security(
    "unknown-kid-fetch",
    ANYONE,
    "forged tokens naming unknown kids do not make the instance fetch its JWKS each time",
    MEDIUM,
    fix="refetch the JWKS on an unknown kid at most once per cooldown (jose's 30 s), never per "
    "request: each forged token otherwise costs a call to Clerk's API, and its rate limit",
)
SHARED_CACHE = KEYS_ISOLATED.security(
    "shared-cache",
    USER,
    "deployments sharing a cache backend never accept each other's tokens",
    fix="put the deployment (its issuer or JWKS) in every shared cache key; verify first",
)


#: The JWKS cache TTLs a deployment declares: half a minute to half an hour.
JWKS_TTLS = (30.0, 300.0, 1800.0)
#: Forged tokens naming unknown kids sent at one instant, and the JWKS fetches they may cause:
#: a refetch on an unknown kid once, and one to spare (a refresh falling due meanwhile).
UNKNOWN_KIDS = 8
FETCHES_ALLOWED = 2


def _login(target: Target, sut: Any, token: str, what: str) -> Outcome:
    return attempt(KEYS_ISOLATED.id, lambda: present_token(target, sut, token), what)


def _refused(sub: SubCheck, outcome: Outcome, token: str, what: str, story: list[str]) -> None:
    if isinstance(outcome, Principal):
        violated(
            sub,
            f"{what} was {describe(outcome)}\n  " + "\n  ".join(story),
            table=(("story", "; ".join(story)), ("token", show(token, 300))),
        )


@st.composite
def _scenes(draw: st.DrawFn, org: str) -> tuple[dict[str, Any], bool, bool, float]:
    """A session's claims (with a ``sid``, as Clerk's sessions have); whether the other
    deployment reuses this one's kids; whether it is built first; the declared JWKS TTL."""
    who = draw(identities(org_id=org, adversarial=False))
    claims = draw_session_claims(draw, who, sid=draw(clerk_ids("sess")))
    return claims, draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from(JWKS_TTLS))


def _shared_cache(
    target: Target, deployments: dict[str, tuple[dict[str, Any], str]], order: list[str]
) -> None:
    """The two deployments again, sharing one cache backend: neither accepts the other's token."""
    cache, built, story = SharedCache(), {}, ["one cache backend shared by both deployments"]
    for name in order:
        overrides, token = deployments[name]
        built[name] = sut = target.fresh(**overrides, shared_cache=cache)
        outcome = _login(target, sut, token, f"{name}'s own session")
        control(outcome, f"{name}'s own session, sharing a cache backend", token=token)
        story.append(f"{name} built, its own session {describe(outcome)}")
    for name, other in ((order[0], order[1]), (order[1], order[0])):
        token = deployments[other][1]
        outcome = _login(target, built[name], token, f"{other}'s token at {name}")
        story.append(f"{other}'s token at {name}: {describe(outcome)}")
        _refused(SHARED_CACHE, outcome, token, f"{other}'s token at {name}", story)


def _rotated_in_place(target: Target, clock: Clock, claims: dict[str, Any], ttl: float) -> None:
    """An instance whose JWKS endpoint drops a key refuses its tokens ``ttl`` seconds later —
    judged only on an instance that reads the endpoint at all (``ttl`` as the SUT runs it: a
    fixed ``jwks_ttl_s`` it declares, else the one drawn)."""
    ttl = target.configured(jwks_ttl_s=ttl).jwks_ttl_s
    home: SigningKeys = target.keys
    retiring, kept = home.trusted
    listed = jwks_of(retiring, kept, home.trusted_ec)
    probe = target.fresh(
        jwks=jwks_of(kept, home.trusted_ec), jwks_source=lambda: listed, jwks_ttl_s=ttl
    )
    if not isinstance(_login(target, probe, mint(target, claims, retiring), "probe"), Principal):
        return  # it never reads the endpoint: a dropped key cannot be told to it
    endpoint = {"jwks": listed}
    sut = target.fresh(jwks=listed, jwks_source=lambda: endpoint["jwks"], jwks_ttl_s=ttl)
    before = _login(target, sut, mint(target, claims, retiring), "before the key was dropped")
    control(before, f"a session signed by {retiring.kid}, listed", claims=claims)
    endpoint["jwks"] = jwks_of(kept, home.trusted_ec)
    clock.tick(ttl + 1)
    current = _login(target, sut, mint(target, claims, kept), "a kept key's session")
    control(current, f"a session by {kept.kid}, still listed, after jwks_ttl_s", claims=claims)
    token = mint(target, claims, retiring)
    _refused(
        ROTATED_IN_PLACE,
        _login(target, sut, token, "a dropped key's token"),
        token,
        f"a token signed by {retiring.kid}, {ttl + 1:g}s after the JWKS endpoint dropped it,",
        [
            f"jwks_ttl_s={ttl:g}; the instance accepted {retiring.kid}'s session "
            f"({describe(before)})",
            f"the endpoint then listed only {kept.kid} (and the EC key); {ttl + 1:g}s later",
        ],
    )


def _probe_unknown_kids(target: Target) -> None:
    """``UNKNOWN_KIDS`` tokens, each signed by a key no JWKS lists under a kid of its own, at
    one instant on an instance reading its keys from the deployment's endpoint
    (``Settings.jwks_source``; served, the harness's API at ``CLERK_API_URL``): they may make
    it fetch the JWKS ``FETCHES_ALLOWED`` times, not once each — anyone can send them, and each
    fetch is a call to Clerk's API. An instance holding its keys, or one that fetched them
    before, fetches nothing for them: it holds, as it should."""
    if is_capturing():
        return
    listed, fetched, counting = target.settings.jwks, [0], threading.Lock()

    def endpoint() -> dict[str, Any]:  # served, called on the JWKS host's threads
        with counting:
            fetched[0] += 1
        return dict(listed)

    claims = {"sub": "user_2KidProbe", "org_id": target.settings.org_id, "sid": "sess_1"}
    stranger = other_deployment_keys()[0]
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        sut = target.fresh(jwks_source=endpoint)
        valid = mint(target, claims)
        control(_login(target, sut, valid, "a valid session"), "a plain session", token=valid)
        before, tokens = fetched[0], []
        for number in range(UNKNOWN_KIDS):
            unknown = SigningKey(f"ins_kid_probe_{number}", stranger.private_key)
            forged = mint(target, claims, unknown)
            tokens.append(forged)
            _login(target, sut, forged, f"a token naming unknown kid #{number + 1}")
        caused = fetched[0] - before
        if caused > FETCHES_ALLOWED:
            violated(
                UNKNOWN_KID_FETCH,
                f"{UNKNOWN_KIDS} tokens signed by a stranger's key, each naming a kid the JWKS "
                f"lacks, sent at one instant, made the instance fetch its JWKS {caused} times "
                f"(after {before} fetch{'es' * (before != 1)} for its construction and a valid "
                "session): anyone can make it call Clerk's API once per request",
                table=(("fetches", str(caused)), ("token", show(tokens[-1], 300))),
            )


@KEYS_ISOLATED.check
def check_keys_isolated(target: Target) -> None:
    """Another deployment's tokens are refused, in either order of construction, whatever kids
    its JWKS uses and whether or not they share a cache backend; a key a rotation retired is
    refused by the instances built after it, and by one whose endpoint dropped it, in time;
    forged tokens naming unknown kids do not make it fetch its JWKS once each
    (``_probe_unknown_kids``, first)."""
    _probe_unknown_kids(target)
    with frozen_clock() as clock:
        _check_keys_isolated(target, clock)


def _check_keys_isolated(target: Target, clock: Clock) -> None:
    """``check_keys_isolated`` on the frozen ``clock``."""
    home = target.keys
    retiring, kept = home.trusted

    @for_all(scene=_scenes(target.settings.org_id))
    def run(scene: tuple[dict[str, Any], bool, bool, float]) -> None:
        clock.move_to(EPOCH)
        claims, same_kids, other_first, ttl = scene
        theirs = other_deployment_keys()
        if same_kids:
            theirs = reusing_kids(theirs, home.trusted)
        sub = SAME_KID if same_kids else OTHER_DEPLOYMENT
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
            control(outcome, f"{name}'s own session ({show(token, 200)})", token=token)
            story.append(f"{name} built, its own session {describe(outcome)}")
        crossed = False
        for name, other in ((order[0], order[1]), (order[1], order[0])):
            token = deployments[other][1]
            outcome = _login(target, built[name], token, f"{other}'s token at {name}")
            crossed = crossed or isinstance(outcome, Principal)
            story.append(f"{other}'s token at {name}: {describe(outcome)}")
            _refused(sub, outcome, token, f"{other}'s token at {name}", story)
        if not crossed:  # apart they are isolated: what sharing a cache changes is its finding
            _shared_cache(target, deployments, order)

        old = target.fresh()
        before = _login(target, old, ours_token, "before the rotation")
        control(before, "a session before it", token=ours_token)
        rotated = target.fresh(jwks=jwks_of(kept, home.trusted_ec))
        current = mint(target, claims, kept)
        after = _login(target, rotated, current, "after the rotation")
        control(after, "a session after it", token=current)
        outcome = _login(target, rotated, ours_token, "a retired key's token")
        _refused(
            RETIRED_KEY,
            outcome,
            ours_token,
            f"a token signed by {retiring.kid}, after a rotation dropped it from the JWKS,",
            [f"an instance listing {retiring.kid} accepted it; a new one lists only {kept.kid}"],
        )
        _rotated_in_place(target, clock, claims, ttl)

    run()
