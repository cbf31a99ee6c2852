"""CACHE-CONCURRENT: CACHE-ISOLATION while many logins run at once on one instance.

Threads log in distinct and confusable identities, released together by a barrier, round after
round — every other round on a cold instance, so their cache misses race too. For a SUT in this
interpreter the thread switch interval is cut to a microsecond while they run, so a window
between two bytecodes (a cache read and the principal built from it) is hit, not hoped for; and,
under the GIL, they share one core. (A served SUT races in its own process: its requests arrive
at once, and switching this interpreter's threads faster only slowed them — 12% of the served
reference's row.) A race lost once is a violation even when replaying its example does not lose it
again; nothing is shrunk.
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from itertools import count
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from reference import Principal
from strategies import (
    ClerkIdentity,
    confusable_identities,
    draw_session_claims,
)
from strategies.clock import frozen_clock
from strategies.ratings import HIGH, USER

from ..rows import CLAIMS, Row
from ..target import (
    InvariantViolation,
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
from ._common import Drawn, fingerprint, for_all, is_plain
from .cache import BOTH_ACCEPTABLE

CACHE_CONCURRENT = Row(
    "CACHE-CONCURRENT", HIGH, "CACHE-ISOLATION holds under concurrent logins", CLAIMS
)
RACE = CACHE_CONCURRENT.security(
    "race",
    USER,
    "concurrent logins each return their own identity",
    fix="keep no per-request state in shared fields; guard the cache with a lock",
)
SAME_NEW_USER = CACHE_CONCURRENT.security(
    "same-new-user",
    USER,
    "racing first logins of one identity make one user",
    fix="make get-or-create atomic (one lock, or a unique key in the store)",
)
REFUSED_IN_RACE = CACHE_CONCURRENT.completeness(
    "refused-in-race",
    USER,
    "no login is refused for racing its own twin",
    fix="on a get-or-create conflict, read the winner's user instead of failing",
)


#: Rounds per example, and logins per thread per round.
ROUNDS = 6
LOGINS_PER_THREAD = 3
SWITCH_INTERVAL_S = 1e-6
THREADS = st.just(8) | st.integers(2, 32)


@contextmanager
def fast_thread_switching() -> Iterator[None]:
    """Make the interpreter switch threads every microsecond (instead of 5 ms) meanwhile."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _current_cpu() -> int | None:
    """The core the calling thread runs on (Linux's ``/proc``), or None where unknown."""
    try:
        after_name = Path("/proc/thread-self/stat").read_text().rsplit(")", 1)[1]
        return int(after_name.split()[36])  # field 39, "processor"
    except (OSError, IndexError, ValueError):
        return None


@contextmanager
def one_core() -> Iterator[None]:
    """Keep threads started meanwhile on the calling thread's core (they inherit its affinity).
    Under the GIL only one runs at a time anyway, and handing the lock to another core every
    microsecond costs a cross-core wake-up: the race took three times as long, and lost no more
    often, while the other core was busy. Without the GIL (or on other systems) a no-op."""
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    cpu = _current_cpu() if gil and hasattr(os, "sched_setaffinity") else None
    if cpu is None:
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


@st.composite
def _crowds(draw: st.DrawFn, org: str) -> Drawn[list[tuple[ClerkIdentity, dict[str, Any]]]]:
    """8 (or 2 to 32) distinct identities, confusable pairs of every family first, each with the
    claims it logs in with. One strategy, drawn at once."""
    size = draw(THREADS)
    people: list[tuple[ClerkIdentity, dict[str, Any]]] = []
    seen: set[tuple[str | None, str | None]] = set()
    families = iter(BOTH_ACCEPTABLE * 2)  # bounded: drawn pairs may repeat identities
    for turn in count():
        if len(people) >= size:
            break
        naive = next(families, None)
        if naive is not None and len(people) < 2 * len(BOTH_ACCEPTABLE):
            pair = draw(confusable_identities(org_id=org, naive=naive))
            sides = [(pair.first, pair.sids[0]), (pair.second, pair.sids[1])]
        else:  # plain bystanders: nothing to draw but their claims
            sides = [(ClerkIdentity(org, f"user_crowd{turn}"), None)]
        for who, sid in sides:
            if (who.org_id, who.user_id) not in seen and len(people) < size:
                seen.add((who.org_id, who.user_id))
                people.append((who, draw_session_claims(draw, who, sid=sid, noise=False)))
    return Drawn(people, f"{len(people)} identities, confusable pairs first")


def _credentials(
    target: Target, crowd: list[tuple[ClerkIdentity, dict[str, Any]]]
) -> list[tuple[ClerkIdentity, Any]]:
    """Each identity with what it logs in with: its claims, or — for a SUT taking only tokens —
    the token signed once."""
    if target.has("authenticate_claims"):
        return list(crowd)
    return [(who, mint(target, claims)) for who, claims in crowd]


def _login(target: Target, sut: Any, credential: Any) -> Outcome:
    if target.has("authenticate_claims"):
        call = lambda: present_claims(target, sut, credential)  # noqa: E731
    else:
        call = lambda: present_token(target, sut, credential)  # noqa: E731
    return attempt(CACHE_CONCURRENT.id, call, "a concurrent login")  # a crash is TOTAL's


def _race(target: Target, suts: list[Any], people: list[tuple[ClerkIdentity, Any]]) -> list[Any]:
    """One thread per identity, started once: in each round (on ``suts[round]``) all are
    released together by a barrier and log in ``LOGINS_PER_THREAD`` times. Returns
    ``outcomes[round][index]``, a list of that thread's outcomes."""
    barrier = threading.Barrier(len(people) + 1)  # the main thread releases each round
    results: list[list[list[Outcome]]] = [[[] for _ in people] for _ in suts]
    errors: list[BaseException] = []

    def worker(index: int, credential: Any) -> None:
        try:
            for round_, sut in enumerate(suts):
                barrier.wait()
                for _ in range(LOGINS_PER_THREAD):
                    results[round_][index].append(_login(target, sut, credential))
        except threading.BrokenBarrierError:
            pass  # another thread failed: its error is the one reported
        except BaseException as exc:  # re-raised on the main thread
            errors.append(exc)
            barrier.abort()

    threads = [  # each in a copy of this context: its calls are counted, found crashes known
        threading.Thread(
            target=contextvars.copy_context().run, args=(worker, i, credential), daemon=True
        )
        for i, (_, credential) in enumerate(people)
    ]
    with one_core():
        for thread in threads:
            thread.start()
        racing = nullcontext() if target.served else fast_thread_switching()
        with racing:  # only while they race: generation runs at full speed
            try:
                for _ in suts:
                    barrier.wait()
            except threading.BrokenBarrierError:
                pass  # a thread failed
            for thread in threads:
                thread.join()
    if errors:
        raise errors[0]
    return results


def _sequential_collisions(
    target: Target, people: list[tuple[ClerkIdentity, Any]], alone: list[Any]
) -> set[int]:
    """The identities whose logins, taken in turns on one instance, already name someone else
    or share an internal user."""
    sut, owners, colliding = target.fresh(), dict[str, int](), set[int]()
    for _ in range(LOGINS_PER_THREAD):
        for index, (_, credential) in enumerate(people):
            outcome = _login(target, sut, credential)
            if fingerprint(outcome) != alone[index]:
                colliding.add(index)
            if isinstance(outcome, Principal):
                owner = owners.setdefault(outcome.user_id, index)
                if owner != index:
                    colliding |= {index, owner}
    return colliding


@CACHE_CONCURRENT.check
def check_cache_concurrent(target: Target) -> None:
    """Many threads (8, or 2 to 32) log in distinct and confusable identities on one instance at
    once; every login returns its own identity (as on a fresh instance), and no two identities
    share an internal user. Identities whose logins collide even one at a time are left out:
    that is CACHE-ISOLATION's finding, not a race. Then as many threads log in one identity,
    new to the instance, at once: one internal user, no login refused."""

    @for_all(shrink=False, drawn=_crowds(target.settings.org_id))
    def run(drawn: Drawn[list[tuple[ClerkIdentity, dict[str, Any]]]]) -> None:
        crowd, threads = _credentials(target, drawn.value), len(drawn.value)
        alone_outcomes = [_login(target, target.fresh(), cred) for _, cred in crowd]
        org = target.settings.org_id
        for (who, cred), outcome in zip(crowd, alone_outcomes, strict=True):
            if is_plain(who, org):
                control(outcome, f"a valid session of {who.user_id!r}, alone", claims=cred)
        alone_all = [fingerprint(outcome) for outcome in alone_outcomes]
        # Logins that collide one at a time are CACHE-ISOLATION's finding; race the rest.
        colliding = _sequential_collisions(target, crowd, alone_all)
        people = [person for i, person in enumerate(crowd) if i not in colliding]
        alone = [seen for i, seen in enumerate(alone_all) if i not in colliding]
        if len(people) < 2:
            return
        suts: list[Any] = []
        for round_ in range(ROUNDS):  # every other round a cold cache: the misses race too
            suts.append(target.fresh() if round_ % 2 == 0 else suts[-1])
        for round_, outcomes_by_thread in enumerate(_race(target, suts, people)):
            owners: dict[str, int] = {}
            for index, outcomes in enumerate(outcomes_by_thread):
                for outcome in outcomes:
                    _expect_own(people, alone, index, outcome, owners, threads, round_)
        newcomer = next(
            (p for p, seen in zip(people, alone, strict=True) if is_plain(p[0], org) and seen),
            None,
        )
        if newcomer is not None:
            _same_new_identity(target, newcomer, threads)

    try:
        with frozen_clock():  # one instant for every thread: a served service's clock is set once
            run()
    except FlakyFailure as flaky:
        raise _lost_race(flaky) from flaky


def _same_new_identity(target: Target, person: tuple[ClerkIdentity, Any], threads: int) -> None:
    """``threads`` threads log in the same identity, new to each of ``ROUNDS`` cold instances,
    at once: it gets exactly one internal user, and no login is refused for the race."""
    who = person[0]
    suts = [target.fresh() for _ in range(ROUNDS)]
    for round_, outcomes_by_thread in enumerate(_race(target, suts, [person] * threads)):
        where = f"{threads} threads, round {round_ + 1}: first logins of {who.user_id!r}"
        outcomes = [outcome for by_thread in outcomes_by_thread for outcome in by_thread]
        refused = [outcome for outcome in outcomes if not isinstance(outcome, Principal)]
        if refused:
            violated(
                REFUSED_IN_RACE,
                f"{where}, all at once — {len(refused)} of {len(outcomes)} were refused, the "
                f"first {describe(refused[0])}; alone, the same login is accepted",
                error=refused[0],
            )
        users = sorted({o.user_id for o in outcomes if isinstance(o, Principal)})
        if len(users) > 1:
            violated(
                SAME_NEW_USER,
                f"{where}, all at once, created {len(users)} internal users for one identity: "
                f"{users[:8]}",
            )


def _lost_race(flaky: FlakyFailure) -> BaseException:
    """The violation a race produced once, though replaying its example did not repeat it —
    a lost race is real all the same. (Anything else stays the flaky failure it is.)"""
    lost = next((exc for exc in flaky.exceptions if isinstance(exc, InvariantViolation)), None)
    if lost is None:
        return flaky
    for note in getattr(flaky, "__notes__", []):
        lost.add_note(note)
    lost.add_note("The race was lost on a first run of this example, not on its replay.")
    return lost


def _expect_own(
    people: list[tuple[ClerkIdentity, Any]],
    alone: list[Any],
    index: int,
    outcome: Outcome,
    owners: dict[str, int],
    threads: int,
    round_: int,
) -> None:
    who = people[index][0]
    where = f"{threads} threads, round {round_ + 1}"
    if fingerprint(outcome) != alone[index]:
        violated(
            RACE,
            f"{where}: {who.user_id!r} logged in concurrently and was {describe(outcome)}; "
            f"alone, the same login names {alone[index]!r}",
        )
    if isinstance(outcome, Principal):
        owner = owners.setdefault(outcome.user_id, index)
        if owner != index:
            violated(
                RACE,
                f"{where}: {who.user_id!r} and {people[owner][0].user_id!r} share the internal "
                f"user {outcome.user_id!r}",
            )
