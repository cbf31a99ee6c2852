"""A Hypothesis state machine over login histories, to run against any authenticator.

The seed bug needed two logins in a row; real ones need longer histories: a confusable pair of
users, a rejected login in between, a role change, a user who stays active past the cache TTL,
the clock jumping. The machine draws such histories, checks after every step, and shrinks a
failure to a short one::

    from hypothesis.stateful import run_state_machine_as_test
    from strategies import login_history_machine

    LoginHistory = login_history_machine(my_pkg.auth.make)  # make(settings) -> authenticator
    run_state_machine_as_test(LoginHistory)  # or: TestLogins = LoginHistory.TestCase

What it checks (``checks`` picks which; each failure is a ``HistoryViolation`` naming its
invariant (README, *The invariants*) and listing the history as numbered steps):

* ``"isolation"`` (CACHE-ISOLATION) — every login names its own identity or whom the same
  login names on a fresh instance (how claims are *read* is ID-FAITHFUL's business, not the
  cache's); one internal user id per identity, never shared by two;
* ``"poison"`` (CACHE-NO-POISON) — what a login returns is what it returns in the same history
  without its rejected logins (replayed on a control instance);
* ``"fresh"`` (CACHE-FRESH) — no principal carries a role presented ``cache_ttl_s`` or more ago.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
)

from reference import AuthError, Principal, Role, Settings

from ._validation import check_choice
from .claims import CLERK_ROLES, SHAPES, malformed_claims, session_claims
from .clock import EPOCH, Clock, frozen_clock
from .draws import pick
from .identities import (
    TRUSTED_ORG,
    ClerkIdentity,
    ConfusablePair,
    confusable_identities,
    identities,
)
from .ids import clerk_ids
from .keys import signing_keys
from .tokens import sign

CHECKS = ("isolation", "poison", "fresh")
#: Confusable families whose two sides are both valid logins in the trusted org, the seed's
#: two sid-less users first (so shrinking reaches them first).
BOTH_VALID = ("str(sid)", "casefold", "NFKC", "strip", "C string", "email")
REJECTED_KINDS = ("foreign_org", "missing_org", "missing_user", "conflicting_user", "bad_signature")
SIDS = st.none() | st.sampled_from(["sess_1", "sess_2"]) | clerk_ids("sess")
#: A role change before a stretch of activity, or none.
NEW_ROLES = st.none() | st.sampled_from(CLERK_ROLES)


@st.composite
def _valid_pairs(draw: st.DrawFn, org: str) -> ConfusablePair:
    """A confusable pair of a family whose two sides are both valid logins in ``org``."""
    return draw(confusable_identities(org_id=org, naive=pick(draw, BOTH_VALID)))


class HistoryViolation(AssertionError):
    """An invariant failed during a login history; the message lists the numbered steps."""

    def __init__(self, invariant_id: str, message: str, *, locked_out: bool = False) -> None:
        self.invariant_id = invariant_id
        #: A login refused only because of the rejected ones before it: fail-closed, a
        #: lock-out rather than a login let in as someone else.
        self.locked_out = locked_out
        super().__init__(f"{invariant_id} violated: {message}")


Outcome = Principal | AuthError
Who = tuple[str | None, str | None]  # (org_id, user_id): an identity, as a dictionary key


@dataclass(frozen=True)
class Issued:
    """A login as it was presented: whose, the claims, and the token when one was signed."""

    who: ClerkIdentity
    claims: Mapping[str, Any]
    token: str | None


def _who(identity: ClerkIdentity) -> Who:
    return (identity.org_id, identity.user_id)


def _name(who: Who) -> str:
    """An identity in a step: its user id, and its org unless it is the trusted one."""
    org, user = who
    return repr(user) if org == TRUSTED_ORG else f"{user!r} of {org!r}"


def describe(outcome: Outcome) -> str:
    """A one-line account of a login's outcome, for failure messages."""
    if isinstance(outcome, Principal):
        return (
            f"accepted as user={outcome.external_id!r} org={outcome.org_id!r} "
            f"role={outcome.role.name} sid={outcome.session_id!r} (internal {outcome.user_id!r})"
        )
    detail = getattr(outcome, "detail", "")
    said = f", {str(detail)[:300]!r}" if detail else ""
    return f"rejected: {type(outcome).__name__}({outcome.reason!r}{said})"


def _seen_as(outcome: Outcome) -> tuple[str, str] | None:
    return (outcome.external_id, outcome.org_id) if isinstance(outcome, Principal) else None


def login_history_machine(
    make_sut: Callable[[Settings], Any],
    settings: Settings | None = None,
    *,
    checks: tuple[str, ...] = CHECKS,
    clock: Clock | None = None,
) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` subclass logging identities in and out of one instance of
    ``make_sut(settings)``.

    ``settings`` defaults to the trusted org with ``signing_keys().jwks`` — an authenticator
    without ``authenticate_claims`` gets tokens signed by those keys, so keep that JWKS.
    Time is frozen with freezegun and moved by the machine; pass ``clock`` (from
    ``frozen_clock()``) to freeze once around many runs, else each run freezes its own.
    ``checks`` is any of ``"isolation"``, ``"poison"``, ``"fresh"``.
    """
    for check in checks:
        check_choice("checks", check, CHECKS)
    config = settings or Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks)
    org = config.org_id
    ttl = int(config.cache_ttl_s)

    class LoginHistory(RuleBasedStateMachine):
        """Logins, rejected logins, role changes and clock moves against one SUT instance."""

        # Hypothesis prefers rules by target name, then argument count: logins ("issued") come
        # first, so a shrunk history keeps logins and drops the rest ("moments", "people").
        issued = Bundle("issued")
        moments = Bundle("moments")
        people = Bundle("people")

        def __init__(self) -> None:
            super().__init__()
            self._frozen = ExitStack()  # the run's own frozen clock, when none was given
            self.clock = clock if clock is not None else self._frozen.enter_context(frozen_clock())
            self.clock.move_to(EPOCH)
            self.now = 0  # seconds since EPOCH
            self.sut = make_sut(config)
            self.control = make_sut(config) if "poison" in checks else None
            self.steps: list[str] = []
            self.rejections = 0
            self.internal_of: dict[Who, str] = {}
            self.owner_of: dict[str, Who] = {}
            self.role_of: dict[Who, str] = {}
            self.presented: dict[Who, list[tuple[int, Role]]] = {}
            self.shared: set[str] = set()  # internal users handed to more than one identity

        def teardown(self) -> None:
            """The clock unfrozen and the instances let go: Hypothesis keeps the machine in a
            reference cycle, and an instance can hold a process (a served SUT's) until freed."""
            self._frozen.close()
            self.sut = self.control = None

        # ----------------------------------------------------------------- presenting

        def _present(self, sut: Any, issued: Issued) -> Outcome:
            """Log in on ``sut``: the claims, or the token when the SUT only takes tokens."""
            try:
                if issued.token is not None:
                    result = sut.authenticate_token(issued.token)
                else:
                    result = sut.authenticate_claims(issued.claims)
            except AuthError as error:
                return error.with_traceback(None)  # an outcome: it holds no frame of the SUT's
            except Exception as exc:
                raise self._violation(
                    "TOTAL", f"a login raised {type(exc).__name__}: {exc}, not an AuthError"
                ) from exc
            if not isinstance(result, Principal):
                raise self._violation("TOTAL", f"a login returned {result!r}, not a Principal")
            return result

        def _issue(self, who: ClerkIdentity, claims: Mapping[str, Any]) -> Issued:
            if callable(getattr(self.sut, "authenticate_claims", None)):
                return Issued(who, claims, None)
            return Issued(who, claims, sign(claims, signing_keys().trusted[0]))

        def _violation(
            self, invariant_id: str, message: str, *, locked_out: bool = False
        ) -> HistoryViolation:
            numbered = "\n".join(f"  {i}. {step}" for i, step in enumerate(self.steps, 1))
            return HistoryViolation(invariant_id, f"{message}:\n{numbered}", locked_out=locked_out)

        # ---------------------------------------------------------------------- rules

        @initialize(
            target=people,
            pair=_valid_pairs(org),
        )
        def confusable_pair(self, pair: ConfusablePair) -> MultipleResults[ClerkIdentity]:
            """Two identities a naive cache key confuses — the seed's sid-less pair first."""
            first, second = _name(_who(pair.first)), _name(_who(pair.second))
            self.steps.append(f"meet {first} and {second} (a {pair.naive!r} pair)")
            return multiple(pair.first, pair.second)

        @rule(target=people, who=identities(org_id=org))
        def another_identity(self, who: ClerkIdentity) -> ClerkIdentity:
            """Anyone else, ids adversarial or plain."""
            self.steps.append(f"meet {_name(_who(who))}")
            return who

        @rule(
            target=issued,
            who=people,
            sid=SIDS,
            shape=st.sampled_from(SHAPES),
            role=st.none() | st.sampled_from(CLERK_ROLES),
            data=st.data(),
        )
        def log_in(
            self,
            who: ClerkIdentity,
            sid: str | None,
            shape: str,
            role: str | None,
            data: st.DataObject,
        ) -> Issued:
            """``who`` logs in, with or without ``sid``, in a claim shape, with their current
            role (``None``) or a token issued with another."""
            return self._logs_in(who, sid, shape, role, data)

        def _logs_in(
            self,
            who: ClerkIdentity,
            sid: str | None,
            shape: str,
            role: str | None,
            data: st.DataObject,
        ) -> Issued:
            role = role or self.role_of.get(_who(who), "member")
            claims = data.draw(session_claims(who, shape=shape, sid=sid, role=role, noise=False))
            issued = self._issue(who, claims)
            self._login(issued, f"{_name(_who(who))} logs in ({shape}, sid={sid!r}, role={role!r})")
            return issued

        @rule(target=issued, pair=_valid_pairs(org), shape=st.sampled_from(SHAPES), data=st.data())
        def a_pair_logs_in(self, pair: ConfusablePair, shape: str, data: st.DataObject) -> Issued:
            """Both sides of a confusable pair log in, back to back, each with its own sid: a
            naive key meets the two identities it confuses in one step (met, then logged in
            one by one, they came together a few times a run)."""
            self._logs_in(pair.first, pair.sids[0], shape, None, data)
            return self._logs_in(pair.second, pair.sids[1], shape, None, data)

        @rule(target=issued, login=issued)
        def log_in_again(self, login: Issued) -> Issued:
            """An earlier login presented again, later — the same claims or the same token."""
            self._login(login, f"{_name(_who(login.who))} presents an earlier login again")
            return login

        @rule(target=moments, who=people, role=st.sampled_from(CLERK_ROLES))
        def change_role(self, who: ClerkIdentity, role: str) -> int:
            """The organization changes ``who``'s role; their next token carries it."""
            self.role_of[_who(who)] = role
            self.steps.append(f"{_name(_who(who))} becomes {role!r}")
            return self.now

        if "poison" in checks:  # rejected logins only where poisoning is checked

            @rule(target=moments, who=people, kind=st.sampled_from(REJECTED_KINDS), data=st.data())
            def rejected_login(self, who: ClerkIdentity, kind: str, data: st.DataObject) -> int:
                """A login that must fail, naming ``who``: another org, no org, no user, two users,
                or (for a SUT taking tokens) a signature by a key outside the JWKS."""
                user = who.user_id or "user_0"
                if kind == "foreign_org":
                    claims = data.draw(
                        session_claims(ClerkIdentity(f"{org}_other", user), noise=False)
                    )
                elif kind == "bad_signature":
                    claims = data.draw(session_claims(ClerkIdentity(org, user), noise=False))
                else:
                    claims = data.draw(malformed_claims(org_id=org, kinds=(kind,), user_id=user))
                if kind == "bad_signature":
                    if not callable(getattr(self.sut, "authenticate_token", None)):
                        return self.now
                    issued = Issued(who, claims, sign(claims, signing_keys().attacker))
                else:
                    issued = self._issue(who, claims)
                outcome = self._present(self.sut, issued)
                self.steps.append(f"a {kind} login naming {user!r}: {describe(outcome)}")
                if isinstance(outcome, AuthError):
                    self.rejections += 1
                    return self.now
                if self.control is not None:  # accepted after all: the control sees it too
                    self._present(self.control, issued)
                alone = self._present(make_sut(config), issued)
                if isinstance(alone, Principal):  # and its role was presented, for freshness
                    presented = self.presented.setdefault((alone.org_id, alone.external_id), [])
                    presented.append((self.now, alone.role))
                return self.now

            @rule(target=issued, who=people, kind=st.sampled_from(REJECTED_KINDS), data=st.data())
            def rejected_then_logs_in(
                self, who: ClerkIdentity, kind: str, data: st.DataObject
            ) -> Issued:
                """A rejected login naming ``who``, then ``who`` logs in: a cache written before
                validation is read in that order (left to chance, it came a few times a run)."""
                self.rejected_login(who, kind, data)
                sid, shape = data.draw(SIDS), data.draw(st.sampled_from(SHAPES))
                return self._logs_in(who, sid, shape, None, data)

        @rule(target=moments, seconds=st.integers(0, 120))
        def time_passes(self, seconds: int) -> int:
            """A few seconds pass."""
            return self._tick(seconds)

        if "fresh" in checks:  # a user who stays active: freshness's scenario

            @rule(target=moments, who=people, new_role=NEW_ROLES, data=st.data())
            def stays_active(
                self, who: ClerkIdentity, new_role: str | None, data: st.DataObject
            ) -> int:
                """``who`` keeps using the app — often just after the organization changed their
                role: a fresh token with their current role each time just under the TTL has
                passed, three times. A sliding expiry would keep their first role all along."""
                if new_role is not None:
                    self.change_role(who, new_role)
                role = self.role_of.get(_who(who), "member")
                for _ in range(3):
                    self._tick(max(ttl - 1, 1))
                    claims = data.draw(session_claims(who, role=role, noise=False))
                    issued = self._issue(who, claims)
                    self._login(issued, f"{_name(_who(who))} is still active (role={role!r})")
                return self.now  # a moment, not a login: shrinking prefers plain logins

        @rule(target=moments, past=st.integers(0, 10 * 365 * 86_400))
        def time_jumps(self, past: int) -> int:
            """The clock jumps to the TTL or beyond (up to ten years)."""
            return self._tick(ttl + past)

        def _tick(self, seconds: int) -> int:
            self.now += seconds
            self.clock.move_to(EPOCH + timedelta(seconds=self.now))
            self.steps.append(f"{seconds}s pass")
            return self.now

        # ------------------------------------------------------------------- checking

        def _login(self, issued: Issued, what: str) -> None:
            outcome = self._present(self.sut, issued)
            alone = self._present(make_sut(config), issued)
            self.steps.append(f"{what}: {describe(outcome)}")
            if self.control is not None:
                control = self._present(self.control, issued)
                # Let in as other than without the rejected ones; or refused where it was let
                # in without them: a lock-out (``locked_out``), fail-closed.
                seen = _seen_as(outcome)
                if self.rejections and seen != _seen_as(control):
                    raise self._violation(
                        "CACHE-NO-POISON",
                        f"without the rejected logins, the last login is {describe(control)}",
                        locked_out=seen is None,
                    )
            problem = self._isolation_problem(issued, outcome, alone)
            if problem is not None:
                if "isolation" in checks:
                    raise self._violation("CACHE-ISOLATION", problem)
                if isinstance(outcome, Principal):
                    self.shared.add(outcome.user_id)
                return  # another identity's entry: isolation's finding, not freshness's
            if isinstance(outcome, Principal) and outcome.user_id in self.shared:
                return  # an entry two identities have had: its role may be either's
            if "fresh" in checks and isinstance(outcome, Principal):
                self._check_fresh(issued, outcome, alone)

        def _isolation_problem(
            self, issued: Issued, outcome: Outcome, alone: Outcome
        ) -> str | None:
            """Why the login was let in as other than its own identity — ``None`` when it was
            not (its internal user then recorded); a refusal signs no one in."""
            who = _who(issued.who)
            seen = _seen_as(outcome)
            if seen is not None and seen != _seen_as(alone) and seen != (who[1], who[0]):
                return f"on a fresh instance, the last login is {describe(alone)}"
            if not isinstance(outcome, Principal):
                return None
            owner = self.owner_of.get(outcome.user_id, who)
            if owner != who:
                return f"{_name(who)} got {_name(owner)}'s internal user {outcome.user_id!r}"
            internal = self.internal_of.get(who, outcome.user_id)
            if internal != outcome.user_id:
                return f"{_name(who)} was internal user {internal!r}, now {outcome.user_id!r}"
            self.owner_of[outcome.user_id], self.internal_of[who] = who, outcome.user_id
            return None

        def _check_fresh(self, issued: Issued, outcome: Principal, alone: Outcome) -> None:
            if not isinstance(alone, Principal):
                return
            history = self.presented.setdefault(_who(issued.who), [])
            history.append((self.now, alone.role))
            recent = {role for when, role in history if when > self.now - ttl or when == self.now}
            if outcome.role not in recent:
                raise self._violation(
                    "CACHE-FRESH",
                    f"the role {outcome.role.name} is older than cache_ttl_s={ttl}s; roles "
                    f"presented since: {sorted(role.name for role in recent)}",
                )

    LoginHistory.__name__ = LoginHistory.__qualname__ = "LoginHistory"
    return LoginHistory
