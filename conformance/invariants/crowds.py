"""CACHE-ISOLATION's crowd: thousands of distinct identities log in, then each logs in again.

A cache keyed by a lossy function of the identity — a truncated hash, a bounded array of slots
that does not store the key, an LRU that hands out the wrong entry at its eviction boundary —
only collides once enough distinct users have logged in; a history of a dozen never meets it.
The crowd is ``CROWD`` plain identities, the same every run, so no example is drawn: they are
logged in one by one on one instance (through the strongest entry point: claims, or tokens
signed once, at a frozen instant, per process), then each again. A key of ``b`` bits meets a
collision among ``N`` identities with probability about ``1 - exp(-N² / 2^(b+1))`` (the
birthday bound): ``N = 4096`` finds a 20-bit key 99.97 % of the time, a 24-bit one 39 %.
A counterexample names the two identities that met, not the crowd.
"""

from __future__ import annotations

import functools
from typing import Any

from reference import Principal
from strategies.clock import EPOCH, frozen_clock

from ..findings import is_off
from ..target import (
    Outcome,
    Target,
    attempt,
    control,
    describe,
    mint,
    present_claims,
    present_token,
    violated,
)

#: Identities in the crowd: past the bound of any cache bounded below it.
CROWD = 4096


@functools.cache
def crowd_claims(org: str, size: int = CROWD) -> tuple[dict[str, Any], ...]:
    """The crowd's claims: plain v1 sessions of ``user_crowd00000``, … in ``org``."""
    return tuple(
        {"sub": f"user_crowd{i:05d}", "org_id": org, "sid": f"sess_crowd{i}"} for i in range(size)
    )


#: The crowd's tokens by deployment (keys, org, issuer, parties), signed once per process.
_TOKENS: dict[tuple[int, str, str | None, tuple[str, ...]], tuple[str, ...]] = {}


def _crowd_tokens(target: Target) -> tuple[str, ...]:
    """The crowd's tokens, signed once per process at ``EPOCH`` (a frozen instant)."""
    settings = target.settings
    key = (id(target.keys), settings.org_id, settings.issuer, settings.authorized_parties)
    if key not in _TOKENS:
        with frozen_clock() as clock:
            clock.move_to(EPOCH)
            _TOKENS[key] = tuple(mint(target, c) for c in crowd_claims(settings.org_id))
    return _TOKENS[key]


def _login(target: Target, sut: Any, index: int) -> Outcome:
    if target.has("authenticate_claims"):
        claims = crowd_claims(target.settings.org_id)[index]
        call = lambda: present_claims(target, sut, claims)  # noqa: E731
    else:
        token = _crowd_tokens(target)[index]
        call = lambda: present_token(target, sut, token)  # noqa: E731
    return attempt("CACHE-ISOLATION", call, "a crowd login")


def check_crowd(target: Target) -> None:
    """Each of ``CROWD`` identities logs in, then each again: every login names its own user,
    and each identity keeps one internal user no one else has."""
    if is_off("CACHE-ISOLATION", "crowd"):
        return
    org, sut = target.settings.org_id, target.fresh()
    users = [claims["sub"] for claims in crowd_claims(org)]
    owner: dict[str, int] = {}
    first: dict[int, str] = {}
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        for round_ in ("first", "second"):
            for index, user in enumerate(users):
                outcome = _login(target, sut, index)
                if round_ == "first" and index == 0:
                    control(outcome, f"the crowd's first login, {user!r}")
                if not isinstance(outcome, Principal):
                    continue  # a refused plain session: the control says so
                _own(outcome, index, users, round_, owner, first)


def _own(
    outcome: Principal,
    index: int,
    users: list[str],
    round_: str,
    owner: dict[str, int],
    first: dict[int, str],
) -> None:
    user, where = users[index], f"{round_} login of {users[index]!r} (crowd of {len(users)})"
    if outcome.external_id != user:
        met = users.index(outcome.external_id) if outcome.external_id in users else None
        other = f"{users[met]!r}'s" if met is not None else "someone else's"
        violated(
            "CACHE-ISOLATION",
            "crowd",
            f"the {where} was handed {other} identity: {describe(outcome)}",
            table=(("identity", user), ("handed", outcome.external_id), ("round", round_)),
        )
    holder = owner.setdefault(outcome.user_id, index)
    if holder != index or first.setdefault(index, outcome.user_id) != outcome.user_id:
        violated(
            "CACHE-ISOLATION",
            "crowd",
            f"the {where} got internal user {outcome.user_id!r}, which is "
            f"{users[holder]!r}'s" + ("" if holder != index else f", not its own {first[index]!r}"),
            table=(("identity", user), ("internal user", outcome.user_id), ("round", round_)),
        )
