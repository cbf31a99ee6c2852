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
    draw_session_claims,
    identities,
    malformed_claims,
)
from strategies.clock import EPOCH, frozen_clock
from strategies.draws import pick
from strategies.ratings import ANYONE, CRITICAL, HIGH, ISSUER, MEDIUM, USER

from ..findings import SubCheck
from ..rows import CLAIMS, Row
from ..target import Outcome, Target, control, describe, try_claims, violated
from ._common import Drawn, expect_as_alone, expect_rejected, for_all, is_plain, numbered
from .crowds import check_crowd
from .history import check_history

CACHE_ISOLATION = Row(
    "CACHE-ISOLATION", CRITICAL, "every login returns its own identity (the seed bug)", CLAIMS
)
OWN_IDENTITY = CACHE_ISOLATION.security(
    "own-identity",
    USER,
    "every login returns its own identity",
    fix="key the cache by the (org_id, user id) tuple, never by `sid` or a joined string",
)
ISOLATION_HISTORY = CACHE_ISOLATION.security(
    "history",
    USER,
    "over long login histories, each login is its own",
    fix="key the cache by the (org_id, user id) tuple; look entries up by the full key",
)
CROWD = CACHE_ISOLATION.security(
    "crowd",
    USER,
    "among thousands of distinct identities, each login is its own",
    fix="key the cache by the full (org_id, user id) tuple, never a hash or prefix of it",
)

CACHE_KEY_INJECTIVE = Row(
    "CACHE-KEY-INJECTIVE", CRITICAL, "identities naive keys confuse never share an entry", CLAIMS
)
CONFUSABLE = CACHE_KEY_INJECTIVE.security(
    "confusable",
    ISSUER,
    "identities naive keys confuse never share an entry",
    fix="key by the (org_id, user id) tuple: no joining, case folding, trimming or NFC",
)
UNACCEPTABLE = CACHE_KEY_INJECTIVE.security(
    "unacceptable",
    ISSUER,
    "a confusable login that must fail, fails",
    fix="validate every claim before the cache lookup; a cached look-alike never answers",
)

CACHE_NO_POISON = Row(
    "CACHE-NO-POISON", HIGH, "a rejected login changes nothing later logins return", CLAIMS
)
REJECTED_CHANGES_NOTHING = CACHE_NO_POISON.security(
    "rejected-changes-nothing",
    USER,
    "a rejected login changes nothing later",
    fix="write the cache and user store only after the whole login succeeded",
)
POISON_HISTORY = CACHE_NO_POISON.security(
    "history",
    USER,
    "over long histories, rejected logins change nothing",
    fix="write the cache only after full success; never on a refused login",
)
LOCKED_OUT = CACHE_NO_POISON.completeness(
    "locked-out",
    ANYONE,
    "a rejected login never gets a later valid login refused",
    fix="never remember a refused login against the user it names: anyone can send one",
)

CACHE_FRESH = Row("CACHE-FRESH", MEDIUM, "a role change is seen within cache_ttl_s", CLAIMS)
ROLE_WITHIN_TTL = CACHE_FRESH.security(
    "role-within-ttl",
    USER,
    "a role change is seen within cache_ttl_s",
    fix="take the role from the current token, or expire entries after cache_ttl_s",
)
FRESH_HISTORY = CACHE_FRESH.security(
    "history",
    USER,
    "over long histories, no role is older than the TTL",
    fix="store the time of each entry and drop it once older than cache_ttl_s",
)


class Ledger:
    """Which internal user id each identity was given: two identities may never share one, and
    (with ``one_each``) one identity never holds two — a new account per sign-in loses the old
    one's data, and is what the login-history machine reports as CACHE-ISOLATION too."""

    def __init__(self, sub: SubCheck, *, one_each: bool = False) -> None:
        self.sub = sub
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
            violated(
                self.sub,
                f"users {owner!r} and {identity!r} share the internal user {outcome.user_id!r}:\n"
                + numbered(story),
            )
        held = self.held.setdefault(identity, outcome.user_id)
        if self.one_each and held != outcome.user_id:
            violated(
                self.sub,
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


@CACHE_ISOLATION.check
def check_cache_isolation(target: Target) -> None:
    """Over any interleaving of logins by distinct identities — with and without sid, repeated,
    in any order, with time moving — each login returns its own identity, and each identity
    keeps one internal user.

    Each history opens with both sides of a confusable pair of every family back to back — so
    naive keys meet the identities they confuse, the seed's two sid-less users first — then
    goes on with logins by them and by others, in any order, with time moving. The history is
    drawn at once (``_isolation_histories``), and a counterexample shrinks to the logins it
    needs."""
    org = target.settings.org_id

    with frozen_clock() as clock:

        @for_all(history=_isolation_histories(org))
        def run(history: Drawn[list[tuple[Step, dict[str, Any]]]]) -> None:
            clock.move_to(EPOCH)
            sut, story = target.fresh(), []
            ledger = Ledger(OWN_IDENTITY, one_each=True)
            for step, claims in history.value:
                clock.tick(step.wait_s)
                outcome = try_claims(CACHE_ISOLATION.id, target, sut, claims)
                if is_plain(step.who, org):
                    control(outcome, f"a valid session {claims!r}", claims=claims)
                story.append(f"after {step.wait_s:g}s, login {claims!r}: {describe(outcome)}")
                expect_as_alone(OWN_IDENTITY, target, outcome, claims, story)
                ledger.record(outcome, step.who, story)

        run()
    check_history(target, "isolation", ISOLATION_HISTORY)
    check_crowd(target, CROWD)


_SHAPE_INDEX = st.integers(0, len(SHAPES) - 1)
#: Who logs in after the confusable pairs: one of them (an index), or anyone.
_LATER = st.lists(
    st.tuples(st.integers(0, 2 * len(BOTH_ACCEPTABLE) - 1) | st.none(), SIDS, _SHAPE_INDEX, WAITS),
    max_size=8,
)


@st.composite
def _isolation_histories(draw: st.DrawFn, org: str) -> Drawn[list[tuple[Step, dict[str, Any]]]]:
    """Both sides of a confusable pair of every family, back to back, then up to eight logins
    by them or by others: each step with the claims it presents. One strategy, drawn at once."""
    steps: list[Step] = []
    for naive in BOTH_ACCEPTABLE:
        pair = draw(confusable_identities(org_id=org, naive=naive))
        shape = SHAPES[draw(_SHAPE_INDEX)]
        steps += [Step(pair.first, pair.sids[0], shape, 0.0)]
        steps += [Step(pair.second, pair.sids[1], shape, 0.0)]
    met = [step.who for step in steps]
    for index, sid, shape_index, wait in draw(_LATER):
        who = met[index] if index is not None else draw(identities(org_id=org))
        steps.append(Step(who, sid, SHAPES[shape_index], wait))
    history = [
        (step, draw_session_claims(draw, step.who, shape=step.shape, sid=step.sid, noise=False))
        for step in steps
    ]
    return Drawn(history, f"a history of {len(history)} logins")


def _acceptable(who: ClerkIdentity, org: str) -> bool:
    return who.user_id is not None and who.org_id == org


def _confuse(
    target: Target, pair: ConfusablePair, order: tuple[int, ...], claim_sets: list[dict[str, Any]]
) -> None:
    """Log in the two sides of ``pair`` in ``order`` on a fresh SUT: each acceptable side gets
    its own identity (never a shared internal user), each unacceptable side is rejected."""
    org = target.settings.org_id
    sut, ledger = target.fresh(), Ledger(CONFUSABLE)
    story = [f"confusable under {pair.naive!r}: {pair.naive_keys()[0]!r}"]
    sides = (pair.first, pair.second)
    for index in order:
        who, claims = sides[index], claim_sets[index]
        outcome = try_claims(CACHE_KEY_INJECTIVE.id, target, sut, claims)
        if is_plain(who, org):
            control(outcome, f"a valid session {claims!r}", claims=claims)
        story.append(f"login {claims!r}: {describe(outcome)}")
        if _acceptable(who, org):
            expect_as_alone(CONFUSABLE, target, outcome, claims, story)
            ledger.record(outcome, who, story)
        else:
            expect_rejected(UNACCEPTABLE, outcome, "an unacceptable login", story)


#: The confusable families one example tries: four of them, any four (a permutation's head),
#: each on a fresh instance — detection within a few examples at a third of the generation
#: cost of all twelve.
FAMILIES = st.permutations(list(NAIVE_KEYS)).map(lambda families: families[:4])


@CACHE_KEY_INJECTIVE.check
def check_cache_key_injective(target: Target) -> None:
    """Identities that differ only in ways naive keys erase (separators, case, normalisation,
    whitespace, NUL, null-words, session ids, emails) never share an entry."""
    org = target.settings.org_id

    @for_all(confusions=_confusions(org))
    def run(confusions: Drawn[list[Confusion]]) -> None:
        for pair, order, claim_sets in confusions.value:
            _confuse(target, pair, order, claim_sets)

    run()


ORDERS = ((0, 1, 0), (1, 0, 1))


Confusion = tuple[ConfusablePair, tuple[int, ...], list[dict[str, Any]]]


@st.composite
def _confusions(draw: st.DrawFn, org: str) -> Drawn[list[Confusion]]:
    """Four confusable pairs of any four families, each with a login order and both sides'
    claims. One strategy, drawn at once."""
    confusions: list[Confusion] = []
    for naive in draw(FAMILIES):
        pair = draw(confusable_identities(org_id=org, naive=naive))
        order = pick(draw, ORDERS)
        sides = [(pair.first, pair.sids[0]), (pair.second, pair.sids[1])]
        claim_sets = [draw_session_claims(draw, who, sid=sid, noise=False) for who, sid in sides]
        confusions.append((pair, order, claim_sets))
    families = ", ".join(pair.naive for pair, _, _ in confusions)
    return Drawn(confusions, f"confusable pairs under {families}")


POISON_SIDS = ("sess_1", "sess_2")
#: After the first rejected login, one to seven more: each a good login (False) or one to be
#: rejected (True).
_LATER_KINDS = st.lists(st.booleans(), min_size=1, max_size=7)


def _bad_claims(draw: st.DrawFn, org: str, pool: list[ClerkIdentity]) -> dict[str, Any]:
    """A login to be rejected that reuses a known user or session id wherever it can."""
    who = pick(draw, pool)
    kind = pick(draw, ["foreign_org", "malformed", "bad_sid"])
    sid = pick(draw, POISON_SIDS)
    if kind == "foreign_org":
        foreign = pick(draw, [org.upper(), f"{org} ", "org_attacker"])
        return draw_session_claims(draw, ClerkIdentity(foreign, who.user_id), sid=sid, noise=False)
    if kind == "bad_sid":
        return {
            **draw_session_claims(draw, who, noise=False),
            "sid": pick(draw, [123, "", ["s"], {}]),
        }
    return {**draw(malformed_claims(org_id=org, user_id=who.user_id)), "sid": sid}


@st.composite
def _poison_histories(
    draw: st.DrawFn, org: str, pools: st.SearchStrategy[list[ClerkIdentity]]
) -> Drawn[list[tuple[str, dict[str, Any]]]]:
    """A few identities, then logins by them: a rejected one first — the cache is empty, so
    whatever it writes is served next — then any mix of good and rejected ones, each
    ``("good" | "bad", claims)``. One strategy, drawn at once."""
    pool = draw(pools)
    logins = [("bad", _bad_claims(draw, org, pool))]
    for bad in draw(_LATER_KINDS):
        if bad:
            logins.append(("bad", _bad_claims(draw, org, pool)))
        else:
            who, sid = pick(draw, pool), pick(draw, (None, *POISON_SIDS))
            logins.append(("good", draw_session_claims(draw, who, sid=sid, noise=False)))
    kinds = " ".join(kind for kind, _ in logins)
    return Drawn(logins, f"logins by {len(pool)} users: {kinds}")


@CACHE_NO_POISON.check
def check_cache_no_poison(target: Target) -> None:
    """A rejected login (wrong org, bad claims) changes nothing later logins return: the history
    gives the same results as the same history without the logins the SUT rejected."""
    org = target.settings.org_id
    pools = st.lists(identities(org_id=org), min_size=1, max_size=3, unique_by=lambda i: i.user_id)

    @for_all(history=_poison_histories(org, pools))
    def run(history: Drawn[list[tuple[str, dict[str, Any]]]]) -> None:
        logins = history.value
        sut, story, kept, results = target.fresh(), [], [], []
        for kind, claims in logins:
            outcome = try_claims(CACHE_NO_POISON.id, target, sut, claims)
            if kind == "good":
                control(outcome, f"a valid session {claims!r}", claims=claims)
            story.append(f"login {claims!r}: {describe(outcome)}")
            if kind == "good" or isinstance(outcome, Principal):
                kept.append(claims)
                results.append(outcome)
        without = target.fresh()
        replay = [try_claims(CACHE_NO_POISON.id, target, without, claims) for claims in kept]
        if _summary(results) != _summary(replay):
            # Let in as other than without them: security; only refused where it was let in
            # without them, a lock-out: completeness.
            both = zip(results, replay, strict=True)
            pairs = [(o, r) for o, r in both if isinstance(o, Principal)]
            widened = _summary([o for o, _ in pairs]) != _summary([r for _, r in pairs])
            violated(
                REJECTED_CHANGES_NOTHING if widened else LOCKED_OUT,
                "logins after rejected ones returned something else than without them:\n"
                + numbered(story)
                + "\n  without the rejected logins:\n"
                + numbered(
                    [f"login {c!r}: {describe(o)}" for c, o in zip(kept, replay, strict=True)]
                ),
            )

    run()
    check_history(target, "poison", POISON_HISTORY, LOCKED_OUT)


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


_OTHER_ROLE = st.integers(0, len(CLERK_ROLES) - 2)
_MORE_ROLES = st.lists(st.sampled_from(CLERK_ROLES), min_size=1, max_size=3)


def _wait(draw: st.DrawFn, ttl: int, cadence: str) -> int:
    if cadence == "around the TTL":
        return max(0, ttl + draw(WAITS_AROUND_TTL))
    return pick(draw, [max(1, ttl // 2), max(1, ttl - 1)])


@dataclass(frozen=True)
class FreshHistory:
    """Logins by one identity on an instance caching for ``ttl`` seconds, the clock moving
    ``cadence``: each ``(seconds waited before it, role presented, claims)``."""

    ttl: int
    cadence: str
    logins: list[tuple[int, str, dict[str, Any]]]


@st.composite
def _fresh_histories(draw: st.DrawFn, org: str) -> FreshHistory:
    """One identity, one claim shape, a first role, another, then one to three more, each login
    after a wait. One strategy, drawn at once."""
    who = draw(identities(org_id=org, adversarial=False))
    ttl, shape, cadence = draw(TTLS), pick(draw, SHAPES), draw(CADENCES)
    first = pick(draw, CLERK_ROLES)
    roles = [first, [r for r in CLERK_ROLES if r != first][draw(_OTHER_ROLE)]]
    roles += draw(_MORE_ROLES)
    logins = []
    for index, role in enumerate(roles):
        wait = _wait(draw, ttl, cadence) if index else 0
        logins.append(
            (wait, role, draw_session_claims(draw, who, shape=shape, role=role, noise=False))
        )
    return FreshHistory(ttl, cadence, logins)


@CACHE_FRESH.check
def check_cache_fresh(target: Target) -> None:
    """A role change in the token is seen within ``cache_ttl_s``: after a login with role R₁,
    the same identity logging in with R₂ ≠ R₁ Δ ≥ TTL later gets R₂. Over a longer history the
    rule reads: every principal's role is the role of a login presented less than a TTL ago
    (or of this one) — so an entry refreshed on every hit cannot keep a role forever."""
    org = target.settings.org_id

    with frozen_clock() as clock:

        @for_all(history=_fresh_histories(org))
        def run(history: FreshHistory) -> None:
            clock.move_to(EPOCH)
            ttl, now = history.ttl, 0
            sut, story = target.fresh(cache_ttl_s=ttl), [f"cache_ttl_s={ttl}, {history.cadence}"]
            presented: list[tuple[int, Role]] = []  # (when, the role it maps to on its own)
            for wait, role, claims in history.logins:
                clock.tick(wait)
                now += wait
                outcome = try_claims(CACHE_FRESH.id, target, sut, claims)
                control(outcome, f"a valid session {claims!r}", claims=claims)
                alone = try_claims(CACHE_FRESH.id, target, target.fresh(cache_ttl_s=ttl), claims)
                story.append(f"after {wait}s, login with role {role!r}: {describe(outcome)}")
                if not (isinstance(outcome, Principal) and isinstance(alone, Principal)):
                    continue
                presented.append((now, alone.role))
                recent = {r for when, r in presented if when > now - ttl or when == now}
                if outcome.role not in recent:
                    violated(
                        ROLE_WITHIN_TTL,
                        f"the role {outcome.role.name} is older than cache_ttl_s={ttl}s; roles "
                        f"presented since: {sorted(r.name for r in recent)}:\n" + numbered(story),
                    )

        run()
    check_history(target, "fresh", FRESH_HISTORY)
