"""CACHE-ISOLATION's crowd: thousands of distinct identities log in, then each logs in again.

A cache keyed by a lossy function of the identity — a truncated hash, a bounded array of slots
that does not store the key, an LRU that hands out the wrong entry at its eviction boundary —
only collides once enough distinct users have logged in; a history of a dozen never meets it.
The crowd is ``target.crowd`` plain identities (``CROWD`` by default, ``--crowd N``), the same
every run, so no example is drawn: they are logged in one by one on one instance (through the
strongest entry point: claims, or tokens signed once, at a frozen instant, per process), then
each again. A key of ``b`` bits meets a
collision among ``N`` identities with probability about ``1 - exp(-N² / 2^(b+1))`` (the
birthday bound): ``N = 4096`` finds a 20-bit key 99.97 % of the time, a 24-bit one 39 %.
A counterexample names the two identities that met, not the crowd.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from reference import Principal
from strategies.clock import EPOCH, frozen_clock

from ..findings import SubCheck, is_off
from ..target import CROWD as DEFAULT_CROWD
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

#: Identities in the crowd by default (``--crowd`` sets ``Target.crowd``): past the bound of
#: any cache bounded below it.
CROWD = DEFAULT_CROWD


#: Crowd sizes and key widths the README's birthday-bound table shows.
TABLE_SIZES = (256, 1024, 4096, 16384)
TABLE_BITS = (16, 20, 24, 28, 32)


def birthday(size: int, bits: int) -> float:
    """The probability that ``size`` distinct identities meet a collision of a random key of
    ``bits`` bits (the birthday bound): what a crowd of that size detects."""
    return 1 - math.exp(-(size**2) / 2 ** (bits + 1))


def birthday_table(sizes: tuple[int, ...] = TABLE_SIZES, bits: tuple[int, ...] = TABLE_BITS) -> str:
    """The README's table: a row per crowd size, a column per key width, each cell the chance
    the crowd meets a collision of such a key."""
    head = "| `--crowd` | " + " | ".join(f"{b}-bit key" for b in bits) + " |"
    rule = "|---|" + "---|" * len(bits)
    rows = [
        f"| {size:,} | " + " | ".join(f"{birthday(size, b):.2%}" for b in bits) + " |"
        for size in sizes
    ]
    return "\n".join([head, rule, *rows])


@functools.cache
def crowd_claims(org: str, size: int = CROWD) -> tuple[dict[str, Any], ...]:
    """The crowd's claims: plain v1 sessions of ``user_crowd00000``, … in ``org``."""
    return tuple(
        {"sub": f"user_crowd{i:05d}", "org_id": org, "sid": f"sess_crowd{i}"} for i in range(size)
    )


#: The crowd's tokens by deployment (keys, org, issuer, parties) and size, signed once per process.
_TOKENS: dict[tuple[int, str, str | None, tuple[str, ...], int], tuple[str, ...]] = {}


def _crowd_tokens(target: Target) -> tuple[str, ...]:
    """The crowd's tokens, signed once per process at ``EPOCH`` (a frozen instant)."""
    settings = target.settings
    key = (
        id(target.keys), settings.org_id, settings.issuer, settings.authorized_parties,
        target.crowd,
    )  # fmt: skip
    if key not in _TOKENS:
        with frozen_clock() as clock:
            clock.move_to(EPOCH)
            claims = crowd_claims(settings.org_id, target.crowd)
            _TOKENS[key] = tuple(mint(target, c) for c in claims)
    return _TOKENS[key]


def _login(target: Target, sut: Any, index: int, row: str) -> Outcome:
    if target.has("authenticate_claims"):
        claims = crowd_claims(target.settings.org_id, target.crowd)[index]
        call = lambda: present_claims(target, sut, claims)  # noqa: E731
    else:
        token = _crowd_tokens(target)[index]
        call = lambda: present_token(target, sut, token)  # noqa: E731
    return attempt(row, call, "a crowd login")


def check_crowd(target: Target, sub: SubCheck) -> None:
    """Each of ``target.crowd`` identities logs in, then each again: every login names its own
    user, and each identity keeps one internal user no one else has (else ``sub`` fails)."""
    if is_off(sub):
        return
    org, sut = target.settings.org_id, target.fresh()
    users = [claims["sub"] for claims in crowd_claims(org, target.crowd)]
    owner: dict[str, int] = {}
    first: dict[int, str] = {}
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        for round_ in ("first", "second"):
            for index, user in enumerate(users):
                outcome = _login(target, sut, index, sub.row)
                if round_ == "first" and index == 0:
                    control(outcome, f"the crowd's first login, {user!r}")
                if not isinstance(outcome, Principal):
                    continue  # a refused plain session: the control says so
                _own(sub, outcome, index, users, round_, owner, first)


def _own(
    sub: SubCheck,
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
            sub,
            f"the {where} was handed {other} identity: {describe(outcome)}",
            table=(("identity", user), ("handed", outcome.external_id), ("round", round_)),
        )
    holder = owner.setdefault(outcome.user_id, index)
    if holder != index or first.setdefault(index, outcome.user_id) != outcome.user_id:
        violated(
            sub,
            f"the {where} got internal user {outcome.user_id!r}, which is "
            f"{users[holder]!r}'s" + ("" if holder != index else f", not its own {first[index]!r}"),
            table=(("identity", user), ("internal user", outcome.user_id), ("round", round_)),
        )
