"""ID-*: who an accepted principal is, and which claims may never yield one."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from reference import AuthError, InvalidClaims, Principal, ReferenceAuthenticator, Role
from strategies import (
    CLERK_ROLES,
    ROLE_NAMES,
    SHAPES,
    ClerkIdentity,
    clerk_ids,
    draw_session_claims,
    identities,
    json_values,
    malformed_claims,
)
from strategies.ratings import CRITICAL, HIGH, ISSUER, LOW, USER

from ..findings import Crashed, SubCheck
from ..rows import CLAIMS, Row
from ..target import Target, control_login, describe, try_claims, violated
from ._common import (
    Warmed,
    expect_rejected,
    for_all,
    is_capturing,
    numbered,
    org_values,
    user_values,
    warmed,
    warmed_sut,
)

ID_FAITHFUL = Row(
    "ID-FAITHFUL", CRITICAL, "principal names a user and org the token carries", CLAIMS
)
USER_FROM_TOKEN = ID_FAITHFUL.security(
    "user-from-token",
    USER,
    "external_id is a usable sub/user_id value",
    fix="take external_id from a non-empty string `sub`/`user_id`; never str() a value",
)
ORG_CONFIGURED = ID_FAITHFUL.security(
    "org-configured",
    USER,
    "org_id is the configured org",
    fix="return the configured org_id, after checking the token's org equals it",
)
ORG_FROM_TOKEN = ID_FAITHFUL.security(
    "org-from-token",
    USER,
    "org_id is a usable org_id/o.id value",
    fix="take the org from a non-empty string `org_id`/`o.id`; never str() a value",
)

ID_REQUIRED = Row("ID-REQUIRED", CRITICAL, "no usable org or user id → InvalidClaims", CLAIMS)
MISSING_ORG = ID_REQUIRED.security(
    "missing-org",
    USER,
    "a session without a usable org is refused",
    fix="raise InvalidClaims when neither `org_id` nor `o.id` is a non-empty string",
)
MISSING_USER = ID_REQUIRED.security(
    "missing-user",
    ISSUER,
    "claims without a usable user id are refused",
    fix="raise InvalidClaims when neither `sub` nor `user_id` is a non-empty string",
)
ERROR_CLASS = ID_REQUIRED.robustness(
    "error-class",
    USER,
    "no usable org or user id → InvalidClaims",
    LOW,
    fix="raise InvalidClaims for a missing or malformed org or user id",
)

ID_ORG_PINNED = Row(
    "ID-ORG-PINNED", CRITICAL, "a token for another org is rejected, whatever is cached", CLAIMS
)
FOREIGN_ORG = ID_ORG_PINNED.security(
    "foreign-org",
    USER,
    "a session in another org is refused",
    fix="compare the token's org to the configured org_id exactly, before any cache",
)

ID_UNAMBIGUOUS = Row(
    "ID-UNAMBIGUOUS", HIGH, "two users or two orgs in one token → rejected", CLAIMS
)
TWO_USERS = ID_UNAMBIGUOUS.security(
    "two-users",
    ISSUER,
    "sub ≠ user_id is refused",
    fix="read every user-id claim present (`sub`, `user_id`) and refuse when they differ",
)
TWO_ORGS = ID_UNAMBIGUOUS.security(
    "two-orgs",
    ISSUER,
    "org_id ≠ o.id is refused",
    fix="read every org claim present (`org_id`, `o.id`) and refuse when they differ",
)

ID_SHAPE_INVARIANT = Row(
    "ID-SHAPE-INVARIANT", HIGH, "v1, v2 and template claims give the same principal", CLAIMS
)
CLERK_SHAPES = ID_SHAPE_INVARIANT.security(
    "clerk-shapes",
    USER,
    "v1 and v2 claims of one session give one principal",
    fix="read v2's nested `o` (`o.id`, `o.rol`) as well as v1's `org_id`, `org_role`",
)
TEMPLATE_SHAPE = ID_SHAPE_INVARIANT.security(
    "template-shape",
    ISSUER,
    "template claims give the v1/v2 principal",
    fix="read `user_id`/`role` template claims with the same rules as `sub`/`org_role`",
)
LOWER_ROLE = ID_SHAPE_INVARIANT.completeness(
    "lower-role",
    USER,
    "no shape is read as a lower role than the others (fail-safe, yet a wrong principal)",
    LOW,
    fix="map `org_role`, `o.rol` and a template's `role` with one function",
)


IDENTITY_CLAIMS = ("sub", "user_id", "org_id", "o.id")
#: Claims that do not depend on the claim shape (session status, party, profile).
SHAPE_FREE = ("azp", "sts", "name", "email", "image_url")


_LOOSENED = st.lists(st.sampled_from(IDENTITY_CLAIMS), max_size=2, unique=True)
_ANY_VALUE = json_values() | st.just(None)


@st.composite
def _loosened_claims(draw: st.DrawFn, org_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Valid claims (the control), and a copy with some identity claims replaced by any JSON
    value or removed — or, one time in four each, every org claim moved to a near miss of the
    trusted org (case, whitespace, NUL, a suffix), or every org claim removed (a session that
    names no org must not be given the configured one)."""
    valid = dict(draw_session_claims(draw, draw(identities(org_id=org_id, adversarial=False))))
    claims = dict(valid)
    way = draw(st.integers(0, 3))
    if way == 0:  # every org claim moved to one near miss of the trusted org
        near = draw(_foreign_orgs(org_id))
        if "org_id" in claims:
            claims["org_id"] = near
        if isinstance(claims.get("o"), dict):
            claims["o"] = {**claims["o"], "id": near}
        return valid, claims
    if way == 1:  # no org claim at all
        claims.pop("org_id", None)
        if isinstance(claims.get("o"), dict):
            claims["o"] = {k: v for k, v in claims["o"].items() if k != "id"}
        return valid, claims
    for name in draw(_LOOSENED):
        value = draw(_ANY_VALUE)
        if name == "o.id":
            claims["o"] = {**(claims.get("o") or {}), "id": value}
        else:
            claims[name] = value
    return valid, claims


@ID_FAITHFUL.check
def check_id_faithful(target: Target) -> None:
    """An accepted principal's external_id is one of the token's usable user-id values, and its
    org is the configured org and one of the token's org values — never a stringified value."""
    org = target.settings.org_id

    @for_all(pair=_loosened_claims(org))
    def run(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        valid, claims = pair
        control_login(ID_FAITHFUL.id, target, target.fresh(), valid)
        outcome = try_claims(ID_FAITHFUL.id, target, target.fresh(), claims)
        if not isinstance(outcome, Principal):
            return
        said = f"claims {claims!r} {describe(outcome)}: "
        if outcome.external_id not in user_values(claims):
            violated(
                USER_FROM_TOKEN,
                said + f"external_id {outcome.external_id!r} is no usable sub/user_id value",
            )
        if outcome.org_id != org:
            violated(
                ORG_CONFIGURED,
                said + f"org_id {outcome.org_id!r} is not the configured org {org!r}",
            )
        if outcome.org_id not in org_values(claims):
            violated(
                ORG_FROM_TOKEN,
                said + f"org_id {outcome.org_id!r} is no usable org_id/o.id value",
            )

    run()


@ID_REQUIRED.check
def check_id_required(target: Target) -> None:
    """Claims with no usable org or no usable user id are rejected with InvalidClaims."""

    org = target.settings.org_id
    kinds = ("missing_org", "missing_user")

    @for_all(warm=warmed(malformed_claims(org_id=org, kinds=kinds), org))
    def run(warm: Warmed) -> None:
        claims, sut = warm.claims, warmed_sut(ID_REQUIRED.id, target, warm)
        outcome = try_claims(ID_REQUIRED.id, target, sut, claims, crash=ERROR_CLASS)
        said = f"claims {claims!r} without a usable org or user: {describe(outcome)}"
        if isinstance(outcome, Principal):
            violated(MISSING_ORG if not org_values(claims) else MISSING_USER, said)
        elif not isinstance(outcome, (InvalidClaims, Crashed)):
            # The error class is judged only where the refusal is for the missing identity:
            # the same claims with it supplied are accepted.
            repaired = _repaired(claims, org)
            if isinstance(try_claims(ID_REQUIRED.id, target, target.fresh(), repaired), Principal):
                violated(
                    ERROR_CLASS,
                    f"{said}; with it supplied, {repaired!r} is accepted",
                    error=outcome,
                )

    run()


#: The user a repaired claim set names where its own has no usable one.
REPAIRED_USER = "user_2Repaired0"


def _repaired(claims: dict[str, Any], org: str) -> dict[str, Any]:
    """``claims`` with the identity they miss supplied: ``org`` in each org claim (``org_id``,
    ``o.id``) where none is usable, a plain user in each user claim where none is."""
    fixed = dict(claims)
    if not org_values(claims):
        fixed["org_id"] = org
        if isinstance(claims.get("o"), dict):
            fixed["o"] = {**claims["o"], "id": org}
    if not user_values(claims):
        fixed["sub"] = REPAIRED_USER
        if "user_id" in claims:
            fixed["user_id"] = REPAIRED_USER
    return fixed


@functools.cache
def _foreign_orgs(org: str) -> st.SearchStrategy[str]:
    """Other orgs, many of them one step from the trusted one."""
    near = [
        org.upper(),
        org.lower(),
        f" {org}",
        f"{org} ",
        f"{org}\x00",
        f"{org}:x",
        org[:-1],
        "None",
    ]
    return (st.sampled_from(near) | clerk_ids("org")).filter(lambda o: o != org)


@st.composite
def _pinned_logins(draw: st.DrawFn, org: str) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """Up to three valid logins filling the cache (no custom claims: they do not matter here),
    then a login for a foreign org reusing one of their session ids and, half the time, one of
    their users: ``(cached, foreign org, foreign claims)``. One strategy, drawn at once."""
    before = draw(st.lists(identities(org_id=org, adversarial=False), max_size=3))
    cached = [draw_session_claims(draw, who, noise=False) for who in before]
    foreign = draw(_foreign_orgs(org))
    users = [who.user_id for who in before]
    pick = draw(st.integers(0, 2 * len(users)))
    user = users[pick] if pick < len(users) else draw(clerk_ids("user"))
    sids = [None, *(claims.get("sid") for claims in cached)]
    sid = sids[draw(st.integers(0, len(sids) - 1))]
    return cached, foreign, draw_session_claims(draw, ClerkIdentity(foreign, user), sid=sid)


@ID_ORG_PINNED.check
def check_id_org_pinned(target: Target) -> None:
    """A token for any other org is rejected, whatever the cache holds."""

    @for_all(logins=_pinned_logins(target.settings.org_id))
    def run(logins: tuple[list[dict[str, Any]], str, dict[str, Any]]) -> None:
        cached, foreign, claims = logins
        sut, story = target.fresh(), []
        for earlier in cached:
            outcome = control_login(ID_ORG_PINNED.id, target, sut, earlier)
            story.append(f"login {earlier!r}: {describe(outcome)}")
        outcome = try_claims(ID_ORG_PINNED.id, target, sut, claims)
        story.append(f"login for org {foreign!r} {claims!r}: {describe(outcome)}")
        expect_rejected(FOREIGN_ORG, outcome, f"a token for org {foreign!r}", story)

    run()


@ID_UNAMBIGUOUS.check
def check_id_unambiguous(target: Target) -> None:
    """Claims naming two users (sub ≠ user_id) or two orgs (org_id ≠ o.id) are rejected."""

    org = target.settings.org_id
    kinds = ("conflicting_user", "conflicting_org")

    @for_all(warm=warmed(malformed_claims(org_id=org, kinds=kinds), org))
    def run(warm: Warmed) -> None:
        claims, sut = warm.claims, warmed_sut(ID_UNAMBIGUOUS.id, target, warm)
        outcome = try_claims(ID_UNAMBIGUOUS.id, target, sut, claims)
        sub = TWO_USERS if len(user_values(claims)) > 1 else TWO_ORGS
        expect_rejected(sub, outcome, f"claims naming two users or orgs {claims!r}", [])

    run()


#: Clerk's own roles a third of the time: each shape spells them differently.
_ROLES = st.sampled_from(CLERK_ROLES) | st.none() | st.sampled_from(ROLE_NAMES)


@st.composite
def _in_every_shape(draw: st.DrawFn, org: str) -> tuple[bool, list[dict[str, Any]]]:
    """One identity, session and role, as claims of every shape (``SHAPES``, in order), and
    whether Clerk mints that role: an empty role name (``org:``) is hostile, not a control —
    a correct implementation may refuse it or read it as an unknown role. The v1 and v2
    sessions carry their ``sid``, as Clerk's always do; the template, half the time."""
    who, sid, role = draw(identities(org_id=org)), draw(clerk_ids("sess")), draw(_ROLES)
    shapes = [
        draw_session_claims(draw, who, shape=shape, sid=sid, role=role, noise=False)
        for shape in SHAPES
    ]
    if draw(st.booleans()):
        del shapes[-1]["sid"]
    return role != "", shapes


Seen = tuple[str, str, Role]


def _reading(target: Target, claims: dict[str, Any]) -> Seen | None:
    """Who the reference makes of ``claims`` for the target's deployment (``None``: refused):
    what Clerk means, so that a difference between shapes has a direction."""
    try:
        principal = ReferenceAuthenticator(target.settings).authenticate_claims(claims)
    except AuthError:
        return None
    return principal.external_id, principal.org_id, principal.role


def _shape_finding(seen: dict[str, Seen], truth: Seen | None) -> SubCheck:
    """The sub-check a disagreement among the accepted shapes (``seen``) fails: a shape read as
    another user or org, or above the role Clerk means (``truth``), is a security finding —
    ``clerk-shapes`` when v1 or v2 is at fault, else ``template-shape``; a shape read only
    below it is ``lower-role``, fail-safe. (Without a reading, the highest role is at fault.)"""
    who = {(user, org) for user, org, _ in seen.values()}
    top = truth[2] if truth is not None else min(role for *_, role in seen.values())
    if len(who) > 1:
        at_fault = {s for s, (u, o, _) in seen.items() if truth is None or (u, o) != truth[:2]}
        at_fault = at_fault or set(seen)
    else:
        at_fault = {s for s, (*_, role) in seen.items() if role > top}
        if not at_fault:
            return LOWER_ROLE
    return CLERK_SHAPES if at_fault & {"v1", "v2"} else TEMPLATE_SHAPE


#: The roles ID-SHAPE-INVARIANT also tries once, on a plain session in every shape, before its
#: drawn examples: each of Clerk's roles, none, and roles no mapping knows — what a shape's own
#: default (a template's unknown role read as a member) shows on.
PROBED_ROLES = (*CLERK_ROLES, None, "billing_manager", "owner")


@ID_SHAPE_INVARIANT.check
def check_id_shape_invariant(target: Target) -> None:
    """The same identity, role and session as v1, v2 or template claims yields the same
    principal (user, org, role), each shape on a fresh SUT — judged among the shapes the SUT
    accepts: a refused shape is a refused control (v1, v2) or scenario (a template)."""
    org = target.settings.org_id
    for role in () if is_capturing() else PROBED_ROLES:  # HypoFuzz fuzzes the drawn ones only
        _judge_shapes(target, True, _plain_shapes(org, role))

    @for_all(drawn=_in_every_shape(org))
    def run(drawn: tuple[bool, list[dict[str, Any]]]) -> None:
        _judge_shapes(target, *drawn)

    run()


def _plain_shapes(org: str, role: str | None) -> list[dict[str, Any]]:
    """A plain session with ``role`` (``None``: no role claim) in every shape, as Clerk mints
    v1 and v2 and as a template maps it (``role: "org:<role>"``)."""
    base: dict[str, Any] = {"sub": "user_2ShapeProbe0", "sid": "sess_1"}
    nested: dict[str, Any] = {"id": org, "slg": "acme"}
    v1 = {**base, "org_id": org, "org_slug": "acme"}
    v2 = {**base, "v": 2, "o": nested, "fva": [0, -1], "sts": "active"}
    template = {**base, "org_id": org}
    if role is not None:
        v1["org_role"], nested["rol"], template["role"] = f"org:{role}", role, f"org:{role}"
    return [v1, v2, template]


def _judge_shapes(target: Target, clerk_minted: bool, shapes: list[dict[str, Any]]) -> None:
    """One session in every shape (``SHAPES`` order), each on a fresh instance: the accepted
    ones agree (``_shape_finding`` names the sub-check when they do not)."""
    seen: dict[str, Seen] = {}
    lines, extras = [], None
    for shape, claims in zip(SHAPES, shapes, strict=True):
        # Only the shape may differ: the session and profile claims are the first shape's.
        shared = {k: claims.pop(k) for k in SHAPE_FREE if k in claims}
        extras = shared if extras is None else extras
        claims.update(extras)
        outcome = (
            control_login(ID_SHAPE_INVARIANT.id, target, target.fresh(), claims)
            if shape != "template" and clerk_minted
            else try_claims(ID_SHAPE_INVARIANT.id, target, target.fresh(), claims)
        )
        if isinstance(outcome, Principal):
            seen[shape] = (outcome.external_id, outcome.org_id, outcome.role)
        lines.append(f"{shape} {claims!r}: {describe(outcome)}")
    if len(set(seen.values())) > 1:
        truth = _reading(target, shapes[0])
        violated(
            _shape_finding(seen, truth),
            "one identity, role and session in three shapes gave different results"
            + (f" (Clerk's reading: {truth[2].name})" if truth else "")
            + ":\n"
            + numbered(lines),
            table=tuple(zip(SHAPES, lines, strict=True)),
        )
