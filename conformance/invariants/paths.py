"""PATH-CONSISTENT: one token, one verdict, through every entry point the SUT has.

Middleware and token verification are often two code paths that drift: one SDK's token path
refused pending sessions while the path its middleware used let them through. Each example draws
the claims of two claims-level scenarios — a valid session with any role claims, and a pending
one, one for another org, or malformed or conflicting claims — signs them as Clerk would, and
presents each token through each entry point, each on a fresh instance. An entry point is
compared only when it accepts a valid session: one that reads no session there (a Bearer-only
middleware's cookie) is a completeness matter the request rows report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from reference import Principal
from strategies import draw_session_claims, identities, malformed_claims
from strategies.claims import with_role_claims
from strategies.draws import pick
from strategies.ratings import CRITICAL, USER
from strategies.requests import plain_request

from ..rows import Row
from ..target import Outcome, Target, attempt, control, describe, mint, violated
from ._common import for_all

PATH_CONSISTENT = Row(
    "PATH-CONSISTENT",
    CRITICAL,
    "one token, one verdict through every entry point",
    ("authenticate_request", "callback_subject"),
    any_of=True,
)
REFUSED_ELSEWHERE = PATH_CONSISTENT.security(
    "refused-elsewhere",
    USER,
    "a token one entry point refuses, every one refuses",
    fix="route every entry point through one verify function with one configuration",
)
PRINCIPAL_DIFFERS = PATH_CONSISTENT.security(
    "principal-differs",
    USER,
    "every entry point that accepts names one user, org, role",
    fix="build the principal in one function that every entry point calls",
)

#: Each entry point the SUT may have: its name, the contract method, and how a token reaches it.
ENTRY_POINTS: tuple[tuple[str, str, str], ...] = (
    ("authenticate_token", "authenticate_token", ""),
    ("authenticate_request as Bearer", "authenticate_request", "bearer"),
    ("authenticate_request as __session cookie", "authenticate_request", "cookie"),
    ("callback_subject relayed", "callback_subject", "body"),
    ("callback_subject as Bearer", "callback_subject", "bearer"),
    ("callback_subject as __session cookie", "callback_subject", "cookie"),
)


Verdict = tuple[str, str, str] | None  # (external_id, org_id, role) of an acceptance; None: no


def entry_points(target: Target) -> tuple[tuple[str, str, str], ...]:
    """The entry points ``target`` has."""
    return tuple(entry for entry in ENTRY_POINTS if target.has(entry[1]))


def present_at(row: str, target: Target, entry: tuple[str, str, str], token: str) -> Outcome:
    """``token`` through ``entry`` on a fresh instance (a crash is TOTAL's, met in ``row``)."""
    name, method, place = entry
    sut = target.fresh()
    if method == "authenticate_token":
        call: Callable[[], Any] = lambda: sut.authenticate_token(token)  # noqa: E731
    else:
        request = plain_request(method, token, place)
        call = lambda: getattr(sut, method)(request)  # noqa: E731
    return attempt(row, call, name)


def live_entries(
    row: str, target: Target, token: str, what: str, *, at_least: int = 1
) -> list[tuple[str, str, str]]:
    """The entry points that accept ``token``, a valid session — recorded as one control, which
    is refused when fewer than ``at_least`` of them accept it. Only these are judged: an entry
    point that reads no session (a Bearer-only middleware's cookie) refuses trivially."""
    probes = {entry: present_at(row, target, entry, token) for entry in entry_points(target)}
    live = [entry for entry, outcome in probes.items() if isinstance(outcome, Principal)]
    refused = [outcome for entry, outcome in probes.items() if entry not in live]
    if len(live) < at_least and refused:
        control(refused[0], f"{what} through {at_least} entry point(s)", token=token)
    elif live:
        control(probes[live[0]], f"{what} through {len(live)} entry point(s)", token=token)
    return live


def verdict(outcome: Outcome) -> Verdict:
    """Who an outcome names and as what, comparable across entry points and instances."""
    if isinstance(outcome, Principal):
        return (outcome.external_id, outcome.org_id, outcome.role.value)
    return None


#: The scenarios each example adds to a valid session with any role claims.
REFUSED_SCENARIOS = ("pending", "foreign-org", "malformed")

Scene = tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]


@st.composite
def _scenes(draw: st.DrawFn, org: str) -> Scene:
    """Two scenarios' claims — a valid session with any role claims, and a pending one, one for
    another org, or malformed claims — and the claims of a plain valid session (the control)."""
    who = draw(identities(org_id=org))
    valid = with_role_claims(draw, draw_session_claims(draw, who))
    scenario = pick(draw, REFUSED_SCENARIOS)
    if scenario == "pending":
        claims = {**valid, "sts": "pending"}
    elif scenario == "foreign-org":
        claims = draw_session_claims(draw, draw(identities(org_id=None)))
    else:
        claims = draw(malformed_claims(org_id=org))
    return [("valid", valid), (scenario, claims)], draw_session_claims(draw, who)


@PATH_CONSISTENT.check
def check_path_consistent(target: Target) -> None:
    """The same token gets the same verdict — the same user, org and role, or a refusal —
    through every entry point that reads a session."""

    @for_all(scene=_scenes(target.settings.org_id))
    def run(scene: Scene) -> None:
        scenarios, valid = scene
        what = f"a valid session ({dict(valid)!r:.200})"
        live = live_entries(PATH_CONSISTENT.id, target, mint(target, valid), what, at_least=2)
        for scenario, claims in scenarios if len(live) >= 2 else ():
            _same_verdicts(target, live, scenario, claims)

    run()


def _same_verdicts(
    target: Target, live: list[tuple[str, str, str]], scenario: str, claims: dict[str, Any]
) -> None:
    """``claims``, minted, get one verdict through every entry point in ``live``."""
    token = mint(target, claims)
    outcomes = {entry[0]: present_at(PATH_CONSISTENT.id, target, entry, token) for entry in live}
    verdicts = {name: verdict(outcome) for name, outcome in outcomes.items()}
    if len(set(verdicts.values())) == 1:
        return
    table = (
        ("scenario", scenario),
        ("claims", repr(claims)[:600]),
        *((name, describe(outcome)) for name, outcome in outcomes.items()),
    )
    accepting = {v for v in verdicts.values() if v is not None}
    violated(
        PRINCIPAL_DIFFERS if len(accepting) > 1 else REFUSED_ELSEWHERE,
        f"one token ({scenario} claims {claims!r:.300}) got {len(set(verdicts.values()))} "
        f"different verdicts through {len(outcomes)} entry points (each below)",
        table=table,
    )
