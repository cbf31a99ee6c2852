"""VALID-ACCEPTED: every session Clerk mints is accepted — the completeness row that names a
shape or an instant an implementation refuses, once, where the other rows only count the
controls it cost (and the audit points them here: ``refusal_subchecks``).

Each example draws one identity's v1 and v2 sessions, each in any form Clerk's docs describe
(``strategies.minted``: any subset of the optional org claims, ``o`` with and without ``rol``,
``slg``, ``per``/``fpm``, ``fea``, ``pla``; ``azp`` or none), one entry point the SUT has, and
two instants: one from today to 2038's 32-bit limit, one past it, up to 2100. Each session is
minted at the first instant — its times, and the SUT's clock, there — and presented; a
refusal is its shape's finding. Accepted, it is minted again at the second instant on a fresh
instance; a refusal then is ``after-2038``'s. Who it is accepted as is the identity rows'
matter (ID-FAITHFUL, ROLE-*), judged on the same forms of session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from strategies import frozen_clock, identities, sign, timestamp
from strategies.clock import AFTER_2038, EPOCH, I32_MAX, LAST_INSTANT, Clock
from strategies.draws import pick
from strategies.minted import Minted, draw_minted
from strategies.ratings import MEDIUM, USER
from strategies.requests import plain_request
from strategies.tokens import TOKEN_LIFETIME_S, with_times

from ..findings import PLAIN, SubCheck, control, label_parts
from ..rows import CLAIMS, Row
from ..target import Target, attempt, describe, violated
from ._common import for_all

VALID_ACCEPTED = Row("VALID-ACCEPTED", MEDIUM, "every session Clerk mints is accepted", CLAIMS)
V1 = VALID_ACCEPTED.completeness(
    "v1",
    USER,
    "a v1 session as Clerk mints it (flat `org_id`, any of `org_slug`, `org_role`, "
    "`org_permissions`) is accepted",
    fix="read v1's flat claims: `sub`, `org_id`, `sid`; `org_slug`, `org_role` and "
    "`org_permissions` only when present",
)
V2 = VALID_ACCEPTED.completeness(
    "v2",
    USER,
    "a v2 session as Clerk mints it (nested `o`, with or without `rol`, `slg`, `per`/`fpm`, "
    "`fea`, `pla`) is accepted",
    fix="read v2's nested `o` (`o.id`; `o.rol`, `o.slg`, `o.per`/`o.fpm`, `fea` only when "
    "present) beside v1's",
)
LATER = VALID_ACCEPTED.completeness(
    AFTER_2038,
    USER,
    "a session Clerk mints after 2038-01-19T03:14:07Z (up to 2100) is accepted then",
    fix="read `iat`/`nbf`/`exp` and the clock as 64-bit (or unbounded) integers, never 32-bit",
)

#: The sub-checks of the shapes, named after them (``strategies.claims_shape``).
_SHAPES = (V1, V2)
#: The plain session (``findings.PLAIN``) is a v1 session without its optional org claims.
_PLAIN_SHAPE = V1.name

#: The entry points a session is presented through: its claims as verified, or its token —
#: verified, as a Bearer API request, relayed to the login callback (``entry_point_controls``).
ENTRY_POINTS = (
    "authenticate_claims",
    "authenticate_token",
    "authenticate_request",
    "callback_subject",
)
#: The instants sessions are minted at: from today until a session's ``exp`` is the last
#: second a signed 32-bit time holds; past that until 2100. Each shrinks to its first.
_BEFORE = st.integers(timestamp(EPOCH), I32_MAX - TOKEN_LIFETIME_S)
_AFTER = st.sampled_from([I32_MAX + 1, timestamp(LAST_INSTANT)]) | st.integers(
    I32_MAX + 1, timestamp(LAST_INSTANT)
)


def entry_points(target: Target) -> tuple[str, ...]:
    """The entry points of ``ENTRY_POINTS`` the SUT has."""
    return tuple(method for method in ENTRY_POINTS if target.has(method))


def refusal_subchecks(label: str) -> tuple[SubCheck, ...]:
    """The sub-checks that name what a refused control's label (``findings.control_label``)
    says it may be refused for: its shape, its instant — the plain session is a v1 one."""
    parts = {_PLAIN_SHAPE if part == PLAIN else part for part in label_parts(label)}
    return tuple(sub for sub in (*_SHAPES, LATER) if sub.name in parts)


@dataclass(frozen=True)
class Drawn:
    """One example: the sessions, the entry point, and the two instants (Unix seconds)."""

    sessions: tuple[Minted, Minted]
    entry: str
    before: int
    after: int


@st.composite
def _drawn(draw: st.DrawFn, org: str, entries: tuple[str, ...]) -> Drawn:
    who = draw(identities(org_id=org, adversarial=False))
    sessions = draw_minted(draw, who)
    return Drawn(sessions, pick(draw, entries), draw(_BEFORE), draw(_AFTER))


def minted_claims(target: Target, session: Minted, now: int) -> dict[str, Any]:
    """``session``'s claims as Clerk mints them at ``now`` for the target's deployment: its
    times, its pinned ``iss`` (else Clerk's form), and ``azp`` — a listed party, which a
    deployment that lists parties always gets (its Origin), else present only when drawn."""
    parties = target.settings.authorized_parties
    claims = with_times(
        session.claims, now, issuer=target.settings.issuer, party=parties[0] if parties else None
    )
    if not session.azp and not parties:
        del claims["azp"]
    return claims


def _call(target: Target, method: str, claims: Mapping[str, Any]) -> Callable[[], Any]:
    """The call presenting ``claims`` (a token signed by a trusted key, but for the claims
    entry point) through ``method`` on a fresh instance."""
    sut = target.fresh()
    if method == "authenticate_claims":
        return lambda: sut.authenticate_claims(claims)
    token = sign(claims, target.keys.trusted[0], add_times=False)
    if method == "authenticate_token":
        return lambda: sut.authenticate_token(token)
    request = plain_request(method, token, "body" if method == "callback_subject" else "bearer")
    return lambda: getattr(sut, method)(request)


def when(seconds: int) -> str:
    """An instant as ISO 8601 and as the Unix seconds a token's times are written in."""
    return f"{datetime.fromtimestamp(seconds, UTC).isoformat()} (unix {seconds})"


def _table(session: Minted, entry: str, claims: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A refusal's counterexample: the form, the entry point, the instant, the claims."""
    return (
        ("form", session.said),
        ("entry", entry),
        ("instant", when(int(claims["iat"]))),
        ("claims", json.dumps(claims, sort_keys=True)[:600]),
    )


@VALID_ACCEPTED.check
def check_valid_accepted(target: Target) -> None:
    """A v1 or v2 session in any form Clerk mints is accepted through the SUT's entry points
    (one drawn per example), whenever it is minted from today to 2100."""
    entries = entry_points(target)
    with frozen_clock() as clock:

        @for_all(drawn=_drawn(target.settings.org_id, entries))
        def run(drawn: Drawn) -> None:
            for sub, session in zip(_SHAPES, drawn.sessions, strict=True):
                if not _accepted_at(target, clock, sub, drawn, session, drawn.before):
                    continue  # refused before 2038: its shape's finding, not its instant's
                _accepted_at(target, clock, LATER, drawn, session, drawn.after)

        run()


def _accepted_at(
    target: Target, clock: Clock, sub: SubCheck, drawn: Drawn, session: Minted, now: int
) -> bool:
    """Whether ``session``, minted at ``now`` (the clock there), is accepted through the drawn
    entry point — recorded as a control, and ``sub``'s finding when it is not."""
    clock.move_to(datetime.fromtimestamp(now, UTC))
    claims = minted_claims(target, session, now)
    call = _call(target, drawn.entry, claims)
    outcome = attempt(VALID_ACCEPTED.id, call, f"{drawn.entry} of {claims!r}")
    what = f"a {session.said} session through {drawn.entry} at {when(now)}"
    accepted = control(outcome, what, claims=session.claims)
    if not accepted:
        violated(
            sub,
            f"a {session.shape} session as Clerk mints it was {describe(outcome)} through "
            f"{drawn.entry} at {when(now)} ({session.said})",
            error=outcome,
            table=_table(session, drawn.entry, claims),
        )
    return accepted
