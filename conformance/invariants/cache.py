"""CACHE-ISOLATION, CACHE-KEY-INJECTIVE, CACHE-NO-POISON: a cache never hands one identity
another's entry, whatever the key, the order, the clock or the failed logins before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from reference import Principal, Role
from strategies import (
    CLERK_ROLES,
    NAIVE_KEYS,
    SHAPES,
    ClerkIdentity,
    ConfusablePair,
    clerk_ids,
    confusable_identities,
    identities,
    malformed_claims,
    session_claims,
)
from strategies.clock import EPOCH, frozen_clock

from ..target import (
    InvariantViolation,
    Outcome,
    Target,
    describe,
    try_claims,
)
from ._common import expect_as_alone, expect_rejected, for_all, numbered
from .history import check_history


class Ledger:
    """Which internal user id each identity was given: two identities may never share one, and
    (with ``one_each``) one identity never holds two — a new account per sign-in loses the old
    one's data, and is what the login-history machine reports as CACHE-ISOLATION too."""

    def __init__(self, invariant_id: str, *, one_each: bool = False) -> None:
        self.invariant_id = invariant_id
        self.one_each = one_each
        self.owner: dict[str, tuple[str | None, str | None]] = {}
        self.held: dict[tuple[str | None, str | None], str] = {}

    def record(self, outcome: Outcome, who: ClerkIdentity, story: list[str]) -> None:
        """Note ``outcome``'s internal id for ``who``; a violation if another identity has it
        (or, with ``one_each``, if ``who`` already has another)."""
        if not isinstance(outcome, Principal):
            return
        identity = (who.org_id, who.user_id)
        owner = self.owner.setdefault(outcome.user_id, identity)
        if owner != identity:
            raise InvariantViolation(
                self.invariant_id,
                f"users {owner!r} and {identity!r} share the internal user {outcome.user_id!r}:\n"
                + numbered(story),
            )
        held = self.held.setdefault(identity, outcome.user_id)
        if self.one_each and held != outcome.user_id:
            raise InvariantViolation(
                self.invariant_id,
                f"user {identity!r} holds two internal users, {held!r} and "
                f"{outcome.user_id!r}:\n" + numbered(story),
            )


@dataclass(frozen=True)
class Step:
    """One login of a history: who, with which sid and shape, after how many seconds."""

    who: ClerkIdentity
    sid: str | None
    shape: str
    wait_s: float


#: Confusable families whose two sides are both acceptable logins in the trusted org; the
#: sid-less pair of the seed bug comes first.
BOTH_ACCEPTABLE = ("str(sid)", "casefold", "NFKC", "strip", "C string", "email")
SIDS = st.none() | st.sampled_from(["sess_1", "sess_2"]) | clerk_ids("sess")
WAITS = st.sampled_from([0.0, 1.0, 60.0, 299.0, 301.0, 3600.0])


def check_cache_isolation(target: Target) -> None:
    """Over any interleaving of logins by distinct identities — with and without sid, repeated,
    in any order, with time moving — each login returns its own identity, and each identity
    keeps one internal user.

    Each history opens with both sides of a confusable pair of every family back to back — so
    naive keys meet the identities they confuse, the seed's two sid-less users first — then
    goes on with logins by them and by others, in any order, with time moving. Everything is
    drawn as the history goes, so a counterexample shrinks to the logins it needs."""
    org = target.settings.org_id

    with frozen_clock() as clock:

        @for_all(data=st.data())
        def run(data: st.DataObject) -> None:
            clock.move_to(EPOCH)
            sut, story, ledger = target.fresh(), [], Ledger("CACHE-ISOLATION", one_each=True)

            def login(step: Step) -> None:
                clock.tick(step.wait_s)
                claims = data.draw(
                    session_claims(step.who, shape=step.shape, sid=step.sid, noise=False)
                )
                outcome = try_claims("CACHE-ISOLATION", target, sut, claims)
                story.append(f"after {step.wait_s:g}s, login {claims!r}: {describe(outcome)}")
                expect_as_alone("CACHE-ISOLATION", target, outcome, claims, story)
                ledger.record(outcome, step.who, story)

            seen: list[ClerkIdentity] = []
            for naive in BOTH_ACCEPTABLE:
                pair = data.draw(confusable_identities(org_id=org, naive=naive), label=naive)
                shape = data.draw(st.sampled_from(SHAPES))
                login(Step(pair.first, pair.sids[0], shape, 0.0))
                login(Step(pair.second, pair.sids[1], shape, 0.0))
                seen += [pair.first, pair.second]
            pool = st.sampled_from(seen) | identities(org_id=org)
            for step in data.draw(
                st.lists(st.builds(Step, pool, SIDS, st.sampled_from(SHAPES), WAITS), max_size=8)
            ):
                login(step)

        run()
    check_history(target, "isolation")


def _acceptable(who: ClerkIdentity, org: str) -> bool:
    return who.user_id is not None and who.org_id == org


def _confuse(
    target: Target, pair: ConfusablePair, order: tuple[int, ...], data: st.DataObject
) -> None:
    """Log in the two sides of ``pair`` in ``order`` on a fresh SUT: each acceptable side gets
    its own identity (never a shared internal user), each unacceptable side is rejected."""
    org = target.settings.org_id
    sut, ledger = target.fresh(), Ledger("CACHE-KEY-INJECTIVE")
    story = [f"confusable under {pair.naive!r}: {pair.naive_keys()[0]!r}"]
    sides = [(pair.first, pair.sids[0]), (pair.second, pair.sids[1])]
    claim_sets = [data.draw(session_claims(who, sid=sid, noise=False)) for who, sid in sides]
    for index in order:
        who, claims = sides[index][0], claim_sets[index]
        outcome = try_claims("CACHE-KEY-INJECTIVE", target, sut, claims)
        story.append(f"login {claims!r}: {describe(outcome)}")
        if _acceptable(who, org):
            expect_as_alone("CACHE-KEY-INJECTIVE", target, outcome, claims, story)
            ledger.record(outcome, who, story)
        else:
            expect_rejected("CACHE-KEY-INJECTIVE", outcome, "an unacceptable login", story)


#: The confusable families one example tries: four of them, any four (a permutation's head),
#: each on a fresh instance — detection within a few examples at a third of the generation
#: cost of all twelve.
FAMILIES = st.permutations(list(NAIVE_KEYS)).map(lambda families: families[:4])


def check_cache_key_injective(target: Target) -> None:
    """Identities that differ only in ways naive keys erase (separators, case, normalisation,
    whitespace, NUL, null-words, session ids, emails) never share an entry."""
    org = target.settings.org_id

    @for_all(families=FAMILIES, data=st.data())
    def run(families: list[str], data: st.DataObject) -> None:
        for naive in families:
            pair = data.draw(confusable_identities(org_id=org, naive=naive), label=naive)
            order = data.draw(st.sampled_from([(0, 1, 0), (1, 0, 1)]))
            _confuse(target, pair, order, data)

    run()


@st.composite
def _bad_claims(
    draw: st.DrawFn, org: str, pool: list[ClerkIdentity], sids: list[str]
) -> dict[str, Any]:
    """A login to be rejected that reuses a known user or session id wherever it can."""
    who = draw(st.sampled_from(pool))
    kind = draw(st.sampled_from(["foreign_org", "malformed", "bad_sid"]))
    sid = draw(st.sampled_from(sids))
    if kind == "foreign_org":
        foreign = draw(st.sampled_from([org.upper(), f"{org} ", "org_attacker"]))
        return draw(session_claims(ClerkIdentity(foreign, who.user_id), sid=sid, noise=False))
    if kind == "bad_sid":
        return {
            **draw(session_claims(who, noise=False)),
            "sid": draw(st.sampled_from([123, "", ["s"], {}])),
        }
    return {**draw(malformed_claims(org_id=org, user_id=who.user_id)), "sid": sid}


def check_cache_no_poison(target: Target) -> None:
    """A rejected login (wrong org, bad claims) changes nothing later logins return: the history
    gives the same results as the same history without the logins the SUT rejected."""
    org = target.settings.org_id
    pools = st.lists(identities(org_id=org), min_size=1, max_size=3, unique_by=lambda i: i.user_id)

    @for_all(pool=pools, data=st.data())
    def run(pool: list[ClerkIdentity], data: st.DataObject) -> None:
        sids = ["sess_1", "sess_2"]
        who_and_sid = st.tuples(st.sampled_from(pool), st.sampled_from([None, *sids]))
        good = who_and_sid.flatmap(lambda ws: session_claims(ws[0], sid=ws[1], noise=False))
        bad = st.tuples(st.just("bad"), _bad_claims(org, pool, sids))
        # A rejected login first — the cache is empty, so whatever it writes is served next —
        # then any mix.
        logins = [
            data.draw(bad),
            *data.draw(st.lists(st.tuples(st.just("good"), good) | bad, min_size=1, max_size=7)),
        ]
        sut, story, kept, results = target.fresh(), [], [], []
        for kind, claims in logins:
            outcome = try_claims("CACHE-NO-POISON", target, sut, claims)
            story.append(f"login {claims!r}: {describe(outcome)}")
            if kind == "good" or isinstance(outcome, Principal):
                kept.append(claims)
                results.append(outcome)
        control = target.fresh()
        replay = [try_claims("CACHE-NO-POISON", target, control, claims) for claims in kept]
        if _summary(results) != _summary(replay):
            raise InvariantViolation(
                "CACHE-NO-POISON",
                "logins after rejected ones returned something else than without them:\n"
                + numbered(story)
                + "\n  without the rejected logins:\n"
                + numbered(
                    [f"login {c!r}: {describe(o)}" for c, o in zip(kept, replay, strict=True)]
                ),
            )

    run()
    check_history(target, "poison")


def _summary(outcomes: list[Outcome]) -> list[Any]:
    """Outcomes compared across instances: who, org, role, sid — and which logins share an
    internal user (internal ids themselves may differ between instances)."""
    first_seen: dict[str, int] = {}
    summary: list[Any] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, Principal):
            group = first_seen.setdefault(outcome.user_id, index)
            summary.append(
                (outcome.external_id, outcome.org_id, outcome.role, outcome.session_id, group)
            )
        else:
            summary.append(("rejected",))
    return summary


#: Cache lifetimes CACHE-FRESH configures; 0 means "do not cache".
TTLS = st.sampled_from([300, 0, 1, 60, 3600, 86_400])
#: How the clock moves between two logins: by the TTL give or take (at it, a second short, a
#: second, a minute, an hour or ten years past), or — a user active more often than the TTL —
#: by half of it, or a second short of it.
WAITS_AROUND_TTL = st.sampled_from([0, -1, 1, 60, 3600, 10 * 365 * 86_400])
CADENCES = st.sampled_from(["around the TTL", "more often than the TTL"])


def _wait(ttl: int, cadence: str, data: st.DataObject) -> int:
    if cadence == "around the TTL":
        return max(0, ttl + data.draw(WAITS_AROUND_TTL, label="Δ - ttl"))
    return data.draw(st.sampled_from([max(1, ttl // 2), max(1, ttl - 1)]), label="Δ < ttl")


def check_cache_fresh(target: Target) -> None:
    """A role change in the token is seen within ``cache_ttl_s``: after a login with role R₁,
    the same identity logging in with R₂ ≠ R₁ Δ ≥ TTL later gets R₂. Over a longer history the
    rule reads: every principal's role is the role of a login presented less than a TTL ago
    (or of this one) — so an entry refreshed on every hit cannot keep a role forever."""
    org = target.settings.org_id

    with frozen_clock() as clock:

        @for_all(
            who=identities(org_id=org, adversarial=False),
            ttl=TTLS,
            shape=st.sampled_from(SHAPES),
            cadence=CADENCES,
            data=st.data(),
        )
        def run(
            who: ClerkIdentity, ttl: int, shape: str, cadence: str, data: st.DataObject
        ) -> None:
            clock.move_to(EPOCH)
            sut, story, now = target.fresh(cache_ttl_s=ttl), [f"cache_ttl_s={ttl}, {cadence}"], 0
            presented: list[tuple[int, Role]] = []  # (when, the role it maps to on its own)
            first = data.draw(st.sampled_from(CLERK_ROLES), label="first role")
            roles = [first, data.draw(st.sampled_from([r for r in CLERK_ROLES if r != first]))]
            roles += data.draw(st.lists(st.sampled_from(CLERK_ROLES), min_size=1, max_size=3))
            for index, role in enumerate(roles):
                wait = _wait(ttl, cadence, data) if index else 0
                clock.tick(wait)
                now += wait
                claims = data.draw(session_claims(who, shape=shape, role=role, noise=False))
                outcome = try_claims("CACHE-FRESH", target, sut, claims)
                alone = try_claims("CACHE-FRESH", target, target.fresh(cache_ttl_s=ttl), claims)
                story.append(f"after {wait}s, login with role {role!r}: {describe(outcome)}")
                if not (isinstance(outcome, Principal) and isinstance(alone, Principal)):
                    continue
                presented.append((now, alone.role))
                recent = {r for when, r in presented if when > now - ttl or when == now}
                if outcome.role not in recent:
                    raise InvariantViolation(
                        "CACHE-FRESH",
                        f"the role {outcome.role.name} is older than cache_ttl_s={ttl}s; roles "
                        f"presented since: {sorted(r.name for r in recent)}:\n" + numbered(story),
                    )

        run()
    check_history(target, "fresh")
