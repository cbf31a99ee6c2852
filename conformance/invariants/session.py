"""ROLE-NO-ESCALATION, SESSION-PENDING, SID-INDEPENDENT: what a session grants, and what the
session id must never change."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from reference import Principal, Role
from strategies import CLERK_ROLES, clerk_ids, draw_session_claims, identities
from strategies.claims import with_role_claims, with_template_roles, without_template_roles
from strategies.draws import pick
from strategies.ratings import CRITICAL, HIGH, ISSUER, LOW, USER

from ..rows import CLAIMS, Row
from ..target import Outcome, Target, control_login, describe, try_claims, violated
from ._common import (
    Warmed,
    expect_rejected,
    for_all,
    is_capturing,
    nested,
    numbered,
    warmed,
    warmed_sut,
)

ROLE_NO_ESCALATION = Row(
    "ROLE-NO-ESCALATION", CRITICAL, "admin only if every role claim says admin; guest caps", CLAIMS
)
CLERK_ROLE = ROLE_NO_ESCALATION.security(
    "clerk-role",
    USER,
    "Clerk's own role claim (v1 or v2) maps to its role",
    fix="map `org_role`/`o.rol` (strip `org:`): admin → ADMIN, member → VIEWER, else GUEST",
)
GUEST_CAPS = ROLE_NO_ESCALATION.security(
    "guest-caps",
    ISSUER,
    "any guest role claim caps the role at GUEST",
    fix="read every role claim (`role`, `org_role`, `o.rol`); any guest makes GUEST",
)
ADMIN_ONLY_IF_ALL = ROLE_NO_ESCALATION.security(
    "admin-only-if-all",
    ISSUER,
    "ADMIN only when every role claim says admin",
    fix="grant ADMIN only when every role claim present says admin; unknown → GUEST",
)
# a template maps metadata into the token; where it maps unsafe_metadata, users write it
METADATA_ROLE = ROLE_NO_ESCALATION.security(
    "metadata-role",
    ISSUER,
    "a template role (roles, metadata.role(s), public_metadata.role(s)) never raises it",
    fix="take the org role from `org_role`/`o.rol` (and `role`); never grant from metadata",
)

SESSION_PENDING = Row("SESSION-PENDING", HIGH, "a pending session never authenticates", CLAIMS)
PENDING_REFUSED = SESSION_PENDING.security(
    "pending-refused",
    USER,
    'a session with sts "pending" is refused',
    fix='refuse a token whose `sts` is "pending" (Unauthorized): it is not signed in yet',
)

SID_INDEPENDENT = Row(
    "SID-INDEPENDENT", HIGH, "sid never changes who you are; session_id echoes it", CLAIMS
)
SID_CHANGES_WHO = SID_INDEPENDENT.security(
    "sid-changes-who",
    USER,
    "changing only the sid never changes who it is",
    fix="never key users, caches or roles by `sid`: identity is (org_id, user id)",
)
SHARED_SID = SID_INDEPENDENT.security(
    "shared-sid",
    USER,
    "another user presenting one's sid gets their own login",
    fix="drop `sid` from every cache key; key by the (org_id, user id) tuple",
)
SESSION_ID_ECHO = SID_INDEPENDENT.robustness(
    "session-id-echo",
    USER,
    "session_id echoes the token's sid",
    LOW,
    fix='set session_id from the current token\'s `sid` ("" without one), never a cache',
)


ADMIN_VALUES = ("admin", "org:admin")
ROLE_SETS_PER_EXAMPLE = 4
GUEST_VALUES = ("guest", "org:guest")


def role_claim_values(claims: dict[str, Any]) -> list[object]:
    """The role claims a token carries (``role``, ``org_role``, ``o.rol``), nulls left out."""
    values = [claims.get("role"), claims.get("org_role"), nested(claims).get("rol")]
    return [value for value in values if value is not None]


@functools.cache  # one strategy per org
@st.composite
def _sessions(draw: st.DrawFn, org_id: str) -> dict[str, Any]:
    """The claims of any session in ``org_id`` (a composite: cheaper than a ``flatmap``)."""
    return draw_session_claims(draw, draw(identities(org_id=org_id)))


#: Clerk's own role claims: each of its roles, as v1 and as v2 mint it.
_MINTED = tuple((shape, role) for shape in ("v1", "v2") for role in CLERK_ROLES)


#: How many of an example's role-claim sets are also tried as template roles on its session.
TEMPLATE_SETS_PER_EXAMPLE = 4


@st.composite
def _role_sets(draw: st.DrawFn, org_id: str) -> list[dict[str, Any]]:
    """One session as Clerk mints it — one of its own roles, picked on purpose, in v1 or v2:
    the control, and the case a mapping written for the other shape gets wrong — then several
    role-claim sets on its claims, each to be a first login; then the session with the values
    of some of those sets as template roles (``roles``, ``metadata.role(s)``,
    ``public_metadata.role(s)``, strings and lists) — made of what was drawn, drawing nothing
    more, so that the examples of the role claims are what they were before."""
    shape, role = pick(draw, _MINTED)
    base = draw_session_claims(draw, draw(identities(org_id=org_id)), shape=shape, role=role)
    sets = [base, *(with_role_claims(draw, base) for _ in range(ROLE_SETS_PER_EXAMPLE))]
    drawn = [role_claim_values(claims) for claims in sets[1 : 1 + TEMPLATE_SETS_PER_EXAMPLE]]
    templates = [
        with_template_roles(base, roles, shift=i) for i, roles in enumerate(drawn) if roles
    ]
    return [*sets, *templates]


@ROLE_NO_ESCALATION.check
def check_role_no_escalation(target: Target) -> None:
    """On first login: ADMIN only when every role claim says admin; any guest claim caps the
    role at GUEST; unknown or missing roles never yield ADMIN; a template role (``roles``,
    ``metadata.role(s)``, ``public_metadata.role(s)``) never raises what the role claims give."""

    org = target.settings.org_id
    for shape, role in () if is_capturing() else _MINTED:  # each role Clerk mints, once
        session: dict[str, Any] = {"sub": "user_2RoleProbe0", "sid": "sess_1"}
        if shape == "v2":
            session.update(v=2, o={"id": org, "rol": role})
        else:
            session.update(org_id=org, org_role=f"org:{role}")
        _first_login_role(target, session, {}, control=True)

    @for_all(sets=_role_sets(org))
    def run(sets: list[dict[str, Any]]) -> None:
        alone: dict[str, Outcome] = {}  # the example's logins without template roles, by claims
        for i, claims in enumerate(sets):
            _first_login_role(target, claims, alone, control=i == 0)

    run()


def clerk_minted_role(claims: dict[str, Any]) -> bool:
    """Whether the claims carry one role claim, as Clerk itself mints it: v1's ``org_role`` or
    v2's ``o.rol``, one of Clerk's own roles, spelled as that shape spells it."""
    v2 = claims.get("v") == 2
    values = role_claim_values(claims)
    if len(values) != 1 or "role" in claims:
        return False
    if v2:
        return "org_role" not in claims and nested(claims).get("rol") in CLERK_ROLES
    return claims.get("org_role") in ("org:admin", "org:member", "org:guest")


def _first_login_role(
    target: Target, claims: dict[str, Any], alone: dict[str, Outcome], *, control: bool
) -> None:
    """The rules of ROLE-NO-ESCALATION for one first login with ``claims``."""
    fresh = target.fresh()
    outcome = (
        control_login(ROLE_NO_ESCALATION.id, target, fresh, claims)
        if control
        else try_claims(ROLE_NO_ESCALATION.id, target, fresh, claims)
    )
    if isinstance(outcome, Principal) and not _template_role_raised(target, claims, outcome, alone):
        values = role_claim_values(claims)
        minted = clerk_minted_role(claims)
        if outcome.role is Role.ADMIN and not (values and all(v in ADMIN_VALUES for v in values)):
            violated(
                CLERK_ROLE if minted else ADMIN_ONLY_IF_ALL,
                f"role claims {values!r} gave ADMIN: claims {claims!r}",
                table=(("claims", repr(claims)),),
            )
        if any(v in GUEST_VALUES for v in values) and outcome.role is not Role.GUEST:
            violated(
                CLERK_ROLE if minted else GUEST_CAPS,
                f"a guest role claim among {values!r} gave {outcome.role.name}: claims {claims!r}",
                table=(("claims", repr(claims)),),
            )


def _template_role_raised(
    target: Target, claims: dict[str, Any], outcome: Principal, alone: dict[str, Outcome]
) -> bool:
    """Whether a role under a template name (``roles``, ``metadata``, ``public_metadata``) raised
    the principal above what the same claims give without them on a fresh instance (``alone``
    keeps those logins, each made once) — reported as ``metadata-role``, so that the row's other
    rules judge only what role claims did: Clerk's role claims decide, and a metadata role that
    agrees, lowers or is ignored is fine."""
    plain = without_template_roles(claims)
    if plain == claims or outcome.role is Role.GUEST:  # nothing to drop, or nothing to raise
        return False
    key = json.dumps(plain, sort_keys=True)
    if key not in alone:
        alone[key] = try_claims(ROLE_NO_ESCALATION.id, target, target.fresh(), plain)
    without = alone[key]
    if not (isinstance(without, Principal) and without.role < outcome.role):
        return False
    dropped = {k: v for k, v in claims.items() if k not in plain}
    violated(
        METADATA_ROLE,
        f"template role claims {dropped!r} raised {without.role.name} to {outcome.role.name}: "
        f"claims {claims!r}",
    )
    return True


@SESSION_PENDING.check
def check_session_pending(target: Target) -> None:
    """A token whose session status ``sts`` is "pending" never authenticates."""
    org = target.settings.org_id

    pending = _sessions(org).map(lambda claims: {**claims, "sts": "pending"})

    @for_all(warm=warmed(pending, org))
    def run(warm: Warmed) -> None:
        claims, sut = warm.claims, warmed_sut(SESSION_PENDING.id, target, warm)
        active = {**claims, "sts": "active"}
        control_login(SESSION_PENDING.id, target, target.fresh(), active)
        outcome = try_claims(SESSION_PENDING.id, target, sut, claims)
        expect_rejected(PENDING_REFUSED, outcome, f"a pending session {claims!r}", [])

    run()


def _sid_variants(base: dict[str, Any], sids: list[str | None]) -> list[dict[str, Any]]:
    """``base`` claims once per sid (``None``: without one)."""
    return [base if sid is None else {**base, "sid": sid} for sid in sids]


_SID_LISTS = st.lists(st.none() | clerk_ids("sess"), min_size=2, max_size=4)


@dataclass(frozen=True)
class SidScene:
    """One user's claims (``base``, no sid) presented with each of ``sids``; then, unless it
    is the same user, another's claims presenting one of those sids: ``(sid, claims)``."""

    sids: list[str | None]
    base: dict[str, Any]
    other: tuple[str | None, dict[str, Any]] | None


@st.composite
def _sid_scenes(draw: st.DrawFn, org: str) -> SidScene:
    who, other = draw(identities(org_id=org)), draw(identities(org_id=org, adversarial=False))
    sids = draw(_SID_LISTS)
    base = draw_session_claims(draw, who, sid=None)
    if other.user_id == who.user_id:
        return SidScene(sids, base, None)
    shared = pick(draw, sids)
    return SidScene(sids, base, (shared, draw_session_claims(draw, other, sid=shared)))


@SID_INDEPENDENT.check
def check_sid_independent(target: Target) -> None:
    """Adding, removing or changing sid never changes user, org or role; identities never share
    an entry through their sids; session_id echoes the current sid ("" without one)."""
    org = target.settings.org_id

    @for_all(scene=_sid_scenes(org))
    def run(scene: SidScene) -> None:
        sids, base = scene.sids, scene.base
        sut, story = target.fresh(), []
        seen: set[tuple[str, str, str, Role] | None] = set()
        for sid, claims in zip(sids, _sid_variants(base, sids), strict=True):
            outcome = control_login(SID_INDEPENDENT.id, target, sut, claims)
            story.append(f"login sid={sid!r} {claims!r}: {describe(outcome)}")
            if isinstance(outcome, Principal) and outcome.session_id != (sid or ""):
                violated(
                    SESSION_ID_ECHO,
                    f"session_id {outcome.session_id!r} does not echo sid {sid!r}:\n"
                    + numbered(story),
                )
            if isinstance(outcome, Principal):  # a refusal is no one: at most a completeness matter
                seen.add(_who(outcome))
            if len(seen) > 1:
                violated(
                    SID_CHANGES_WHO,
                    "changing only the sid changed who it is:\n" + numbered(story),
                )
        if scene.other is None:
            return
        # Another user presents one of those session ids. Against a control history in which
        # their sid is one nobody used, any difference is the sid's doing — judged only when
        # they are let in: a refusal never signs anyone in as someone else.
        shared, claims = scene.other
        outcome = try_claims(SID_INDEPENDENT.id, target, sut, claims)
        story.append(f"login as another user, sid={shared!r} {claims!r}: {describe(outcome)}")
        if not isinstance(outcome, Principal):
            return
        control = target.fresh()
        control_ids = {
            _internal(try_claims(SID_INDEPENDENT.id, target, control, earlier))
            for earlier in _sid_variants(base, sids)
        }
        unshared = {**claims, "sid": "sess_neverSharedWithAnyone"}
        expected = try_claims(SID_INDEPENDENT.id, target, control, unshared)
        own_ids = {who_seen[0] for who_seen in seen if who_seen is not None}
        if _who(outcome, ignore_internal=True) != _who(expected, ignore_internal=True) or (
            (_internal(outcome) in own_ids) != (_internal(expected) in control_ids - {None})
        ):
            violated(
                SHARED_SID,
                f"sharing a sid changed another user's login (with an unshared sid: "
                f"{describe(expected)}):\n" + numbered(story),
            )

    run()


def _who(outcome: Outcome, *, ignore_internal: bool = False) -> tuple[str, str, str, Role] | None:
    """Who an outcome names (internal id, Clerk id, org, role); ``None`` when rejected."""
    if not isinstance(outcome, Principal):
        return None
    internal = "" if ignore_internal else outcome.user_id
    return (internal, outcome.external_id, outcome.org_id, outcome.role)


def _internal(outcome: Outcome) -> str | None:
    """The internal user id of an acceptance."""
    return outcome.user_id if isinstance(outcome, Principal) else None
