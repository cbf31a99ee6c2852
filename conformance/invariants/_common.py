"""Helpers the invariant checks share: reading claim candidates, comparing principals."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeGuard, TypeVar

from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from reference import AuthError, Principal
from strategies import TRUSTED_ORG, ClerkIdentity, draw_session_claims
from strategies.requests import plain_request

from ..blackbox.service import example_scope
from ..findings import InvariantViolation, SubCheck, example_failed
from ..target import (
    Outcome,
    Target,
    attempt,
    control,
    control_login,
    describe,
    mint,
    try_claims,
    violated,
)

#: While set (``capturing``), ``for_all`` records each test it builds instead of letting the
#: check run it: how ``conformance.fuzz_targets`` exposes the checks to HypoFuzz.
_CAPTURED: ContextVar[list[Callable[[], None]] | None] = ContextVar("captured", default=None)


@contextmanager
def capturing() -> Iterator[list[Callable[[], None]]]:
    """Collect the Hypothesis tests checks build meanwhile (each check then runs nothing)."""
    tests: list[Callable[[], None]] = []
    token = _CAPTURED.set(tests)
    try:
        yield tests
    finally:
        _CAPTURED.reset(token)


def is_capturing() -> bool:
    """Whether checks are being captured rather than run."""
    return _CAPTURED.get() is not None


def stable_seed(test: Callable[..., None]) -> int:
    """The seed a derandomized profile runs ``test`` with: from its module and qualified name,
    so that its examples change with what it draws, never with how its source is written
    (Hypothesis's own derandomization hashes the source text)."""
    name = f"{test.__module__}:{test.__qualname__}".encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:16], "big")


def for_all(
    *, shrink: bool = True, **strategies: st.SearchStrategy[Any]
) -> Callable[[Callable[..., None]], Callable[[], None]]:
    """``@given(**strategies)`` under the active profile, but reporting one shrunk failure (a
    violation is one readable counterexample, not an exception group) and skipping the
    ``explain`` phase, whose replays cost minutes on long login histories. No deadline, even
    under a host project's default settings: a check's speed is measured, never asserted.
    ``shrink=False`` skips shrinking too, for failures that need not repeat (a lost race).
    Derandomized (``clerk-ci``), it runs with ``stable_seed``: the same examples until what the
    test draws changes."""

    def decorate(test: Callable[..., None]) -> Callable[[], None]:
        active = settings()  # the loaded profile's values
        skipped = (Phase.explain,) if shrink else (Phase.explain, Phase.shrink)
        phases = tuple(phase for phase in active.phases if phase not in skipped)

        @functools.wraps(test)
        def scoped(*args: Any, **kwargs: Any) -> None:
            with example_scope():  # each example's served instances go back when it ends
                try:
                    test(*args, **kwargs)
                except InvariantViolation:
                    example_failed()
                    raise

        built: Callable[[], None] = settings(
            report_multiple_bugs=False, phases=phases, deadline=None
        )(given(**strategies)(scoped))
        if active.derandomize:
            built = seed(stable_seed(test))(built)
        captured = _CAPTURED.get()
        if captured is None:
            return built
        captured.append(built)
        return lambda: None

    return decorate


def nested(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    """The v2 ``o`` object, or an empty one when absent or not an object."""
    value = claims.get("o")
    return value if isinstance(value, Mapping) else {}


def candidate_values(claims: Mapping[str, Any], *names: str) -> set[str]:
    """The usable values among top-level claims ``names`` and ``o.<name>`` for ``o.`` names."""
    values = set()
    for name in names:
        source, key = (nested(claims), name[2:]) if name.startswith("o.") else (claims, name)
        value = source.get(key)
        if usable(value):
            values.add(value)
    return values


def user_values(claims: Mapping[str, Any]) -> set[str]:
    """Usable user-id claim values (``sub``, ``user_id``)."""
    return candidate_values(claims, "sub", "user_id")


def org_values(claims: Mapping[str, Any]) -> set[str]:
    """Usable org claim values (``org_id``, ``o.id``)."""
    return candidate_values(claims, "org_id", "o.id")


Fingerprint = tuple[str, str] | None  # (external_id, org_id) of an acceptance; None: rejected


def fingerprint(outcome: Outcome) -> Fingerprint:
    """Who an outcome names, comparable across SUT instances."""
    return (outcome.external_id, outcome.org_id) if isinstance(outcome, Principal) else None


def expect_as_alone(
    sub: SubCheck,
    target: Target,
    outcome: Outcome,
    claims: Mapping[str, Any],
    story: list[str],
) -> None:
    """An accepted ``outcome`` names whom the same login names on a fresh instance — so a
    cache check judges what the cache did, not how the SUT reads claims. A refusal signs no
    one in: never this security finding (a lock-out is CACHE-NO-POISON's ``locked-out``)."""
    if not isinstance(outcome, Principal):
        return
    alone = try_claims(sub.row, target, target.fresh(), claims)
    if fingerprint(outcome) != fingerprint(alone):
        violated(
            sub,
            f"a login was {describe(outcome)}; on a fresh instance it is {describe(alone)}:\n"
            + numbered(story),
        )


T = TypeVar("T")


class Drawn(Generic[T]):
    """An example's whole input, drawn at once by one composite strategy, and shown in a
    counterexample only as ``summary``: the violation's numbered story shows what ran, where
    the full value would also list the steps a failure never reached."""

    def __init__(self, value: T, summary: str) -> None:
        self.value, self.summary = value, summary

    def __repr__(self) -> str:
        return f"<{self.summary}>"


@dataclass(frozen=True)
class Warmed:
    """Claims to present, and the valid login (if any) made first on the same instance."""

    claims: dict[str, Any]
    first_login: dict[str, Any] | None


@st.composite
def warmed(draw: st.DrawFn, claims: st.SearchStrategy[dict[str, Any]], org: str) -> Warmed:
    """``claims`` — and, as often as not, a valid login to make first by the user they name
    (with their session id), so that a cache hit must not skip validation."""
    drawn = draw(claims)
    if not draw(st.booleans()):
        return Warmed(drawn, None)
    user = next((v for v in (drawn.get("sub"), drawn.get("user_id")) if usable(v)), "user_0")
    sid = drawn.get("sid") if usable(drawn.get("sid")) else None
    first = draw_session_claims(draw, ClerkIdentity(org, user), sid=sid, noise=False)
    return Warmed(drawn, first)


def warmed_sut(invariant_id: str, target: Target, warm: Warmed) -> Any:
    """A fresh SUT, on which ``warm``'s first login (if any) has been made."""
    sut = target.fresh()
    if warm.first_login is not None:
        control_login(invariant_id, target, sut, warm.first_login)
    return sut


_PLAIN_ID = re.compile(r"[a-z]+_[A-Za-z0-9]+")


def is_plain(who: ClerkIdentity, org: str) -> bool:
    """An identity every correct implementation accepts: a plain Clerk user id in ``org`` (the
    trusted org) — no case, whitespace, NUL or null-word games."""
    user = who.user_id
    return who.org_id == org and user is not None and _PLAIN_ID.fullmatch(user) is not None


#: The plain valid session every entry point's control presents.
PLAIN_SESSION = ClerkIdentity(TRUSTED_ORG, "user_2Ctrl0Plain")


def entry_point_controls(row: str, target: Target) -> None:
    """One control per entry point the SUT has: a plain valid session's claims, its token, and
    that token as a Bearer API request and as a relayed callback."""
    claims = {"sub": PLAIN_SESSION.user_id, "org_id": target.settings.org_id, "sid": "sess_1"}
    if target.claims_capable:
        control_login(row, target, target.fresh(), claims)
    token = mint(target, claims)
    calls: dict[str, Callable[[Any], Any]] = {
        "authenticate_token": lambda sut: sut.authenticate_token(token),
        "authenticate_request": lambda sut: sut.authenticate_request(
            plain_request("authenticate_request", token)
        ),
        "callback_subject": lambda sut: sut.callback_subject(
            plain_request("callback_subject", token, "body")
        ),
    }
    for method, call in calls.items():
        if target.has(method):
            outcome = attempt(row, lambda c=call: c(target.fresh()), method)  # type: ignore[misc]
            control(outcome, f"{method} of a plain valid session")


def usable(value: object) -> TypeGuard[str]:
    """A usable claim value: a non-empty string."""
    return isinstance(value, str) and bool(value)


def expect_rejected(sub: SubCheck, outcome: Outcome, why: str, story: list[str]) -> None:
    """``outcome`` must be a rejection (sub-check ``sub`` of its row)."""
    if not isinstance(outcome, AuthError):
        violated(sub, f"{why} was {describe(outcome)}\n" + numbered(story))


def numbered(story: list[str]) -> str:
    """Steps as a numbered list."""
    return "\n".join(f"  {i}. {step}" for i, step in enumerate(story, 1))
