"""REQ-NO-SPOOF: nothing in a request but the credential changes who it authenticates.

A published Django integration trusts a client-sent ``X-Organization-ID`` whenever the token's
flat ``org_id`` is empty — which it always is for v2 tokens. Each example draws a session — in
the trusted org or another, presented as v1 and as v2 claims — and spoofs naming someone else,
each in half the examples: identity headers (``X-Organization-ID``, ``X-User-Id``,
``X-Forwarded-User``, ``X-Clerk-*``, ``X-Original-*``, a second ``Host``), cookies
(``__client_uat``, ``__clerk_db_jwt`` and ``__session_<suffix>`` carrying another user's
session) and query or form parameters (``org_id``, ``user_id``, …). Through every request entry
point that reads a session, the request with the spoofs gets the verdict the plain one gets.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from reference import Request
from strategies import (
    TRUSTED_ORG,
    ClerkIdentity,
    Spoof,
    clerk_ids,
    draw_session_claims,
    identities,
    spoofs,
    with_spoofs,
)
from strategies.ratings import CRITICAL, USER
from strategies.requests import plain_request

from ..rows import Row
from ..target import Outcome, Target, attempt, describe, mint, violated
from ._common import for_all
from .paths import live_entries, verdict

REQ_NO_SPOOF = Row(
    "REQ-NO-SPOOF",
    CRITICAL,
    "nothing beside the credential changes who a request is",
    (
        "authenticate_request",
        "callback_subject",
    ),
    any_of=True,
)
HEADER = REQ_NO_SPOOF.security(
    "header",
    USER,
    "no header beside the credential changes who it is",
    fix="build the principal from the verified token alone; ignore X-User-Id and the like",
)
COOKIE = REQ_NO_SPOOF.security(
    "cookie",
    USER,
    "no cookie beside the credential changes who it is",
    fix="build the principal from the verified token alone; ignore other cookies",
)
PARAM = REQ_NO_SPOOF.security(
    "param",
    USER,
    "no query or form parameter changes who it is",
    fix="build the principal from the verified token alone; ignore request parameters",
)
#: The sub-check of each place a spoof sits in (``strategies.requests``: its ``kind``).
_BY_PLACE = {sub.name: sub for sub in (HEADER, COOKIE, PARAM)}


Scene = tuple[list[dict[str, Any]], list[Spoof], str]


@st.composite
def _scenes(draw: st.DrawFn, target: Target) -> Scene:
    """One session (half the time in another org) as v1 and as v2 claims — a v2 token names its
    org only nested, where a spoofable middleware looks for a flat one — the spoofs naming
    someone else, and a plain valid session's token (the control)."""
    org = target.settings.org_id
    home = draw(st.booleans())
    who = draw(identities(org_id=org if home else None))
    sessions = [draw_session_claims(draw, who, shape=shape) for shape in ("v1", "v2")]
    other_org = draw(clerk_ids("org")) if home else org
    other = ClerkIdentity(TRUSTED_ORG if org == TRUSTED_ORG else org, draw(clerk_ids("user")))
    other_token = mint(target, draw_session_claims(draw, other))
    extras = draw(spoofs(other_org, other.user_id or "", other_token))
    control = draw_session_claims(draw, draw(identities(org_id=org, adversarial=False)))
    return sessions, extras, mint(target, control)


def _send(target: Target, method: str, name: str, request: Request) -> Outcome:
    """``request`` through ``method`` of a fresh instance."""
    return attempt(REQ_NO_SPOOF.id, lambda: getattr(target.fresh(), method)(request), name)


def _unspoofed(
    target: Target, entry: tuple[str, str, str], claims: dict[str, Any], extras: list[Spoof]
) -> None:
    """``claims``' token in ``entry``'s plain request gets the same verdict with ``extras``."""
    name, method, place = entry
    plain = plain_request(method, mint(target, claims), place)
    spoofed = with_spoofs(plain, extras)
    alone, outcome = (_send(target, method, name, r) for r in (plain, spoofed))
    if verdict(outcome) == verdict(alone):
        return
    culprit = next(
        (
            extra
            for extra in extras
            if verdict(_send(target, method, name, with_spoofs(plain, [extra]))) != verdict(alone)
        ),
        extras[0],
    )
    shown = ", ".join(f"{e.kind} {e.name}={e.value[:40]}" for e in extras)
    violated(
        _BY_PLACE[culprit.kind],
        f"through {name}, the session of {claims!r:.300} was {describe(alone)}; with {shown} "
        f"beside it, {describe(outcome)} — the {culprit.kind} {culprit.name} alone changes it",
        table=(
            ("claims", repr(claims)[:400]),
            ("spoofs", shown),
            ("plain", describe(alone)),
            ("spoofed", describe(outcome)),
            ("request", repr(spoofed)[:600]),
        ),
    )


@REQ_NO_SPOOF.check
def check_req_no_spoof(target: Target) -> None:
    """Headers, cookies and parameters beside the credential never change the verdict."""

    @for_all(scene=_scenes(target))
    def run(scene: Scene) -> None:
        sessions, extras, valid = scene
        live = live_entries(REQ_NO_SPOOF.id, target, valid, "a valid session")
        for claims in sessions:
            for entry in live:
                if entry[1] != "authenticate_token":
                    _unspoofed(target, entry, claims, extras)

    run()
