"""Issue 25's request layer, unit by unit: the broken headers and v2 claims the strategies make,
what the reference and the alternative answer to each (what Clerk's SDKs do), and that the
drawn ones alone reach the crashes the catalogue's entries have."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import find, settings

from conformance import Target, catalogue
from conformance.invariants.total import (
    V2_SESSION,
    broken_request,
    crash_cause,
    without_v2_extras,
)
from reference import AuthError, Principal, Unauthorized
from strategies import (
    broken_request_draws,
    broken_requests,
    broken_v2_claims,
    broken_v2_draws,
)
from strategies.broken_claims import CASES as V2_CASES
from strategies.broken_requests import CASES, CONTROLS, NON_ASCII, NOT_COOKIE, REFUSED, Broken
from tests.impls import alternative_impl
from tests.reference_helpers import auth, token_for


def _probe() -> list[Broken]:
    """Every broken case, around tokens minted now: a token minted at import would expire
    before a late test of this module runs."""
    return broken_requests(token_for("user_cookie"), token_for("user_header"))


CORRECT: dict[str, Callable[[], Any]] = {
    "reference": auth,
    "alternative": lambda: alternative_impl.make(auth().settings),
}
METHODS = ("authenticate_request", "callback_subject")


def test_the_probe_is_every_case_with_every_character_of_its_class() -> None:
    probe = _probe()
    assert {b.case.name for b in probe} == {case.name for case in CASES}
    assert {b.char for b in probe if b.case.name == "non-ascii-token"} == set(NON_ASCII)
    assert {b.char for b in probe if b.case.name == "control-separator"} == set(CONTROLS)
    assert len(probe) == sum(len(case.chars) or 1 for case in CASES)
    for broken in probe:
        assert broken.char in "".join(value for _, value in broken.headers)


def _answer(sut: Any, method: str, broken: Broken) -> Principal | AuthError:
    try:
        return getattr(sut, method)(broken_request(method, broken))  # type: ignore[no-any-return]
    except AuthError as refused:
        return refused


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("impl", sorted(CORRECT))
def test_a_correct_implementation_answers_each_case_as_clerk_allows(impl: str, method: str) -> None:
    """A refusal, or the cookie's user where the case allows it — never the cookie's user past a
    malformed Bearer value, never anyone for no usable credential (then ``Unauthorized``)."""
    for broken in _probe():
        outcome = _answer(CORRECT[impl](), method, broken)
        cookie_user = isinstance(outcome, Principal) and outcome.external_id == "user_cookie"
        if broken.case.expect == NOT_COOKIE:
            assert not cookie_user, broken.what
        elif broken.case.expect == REFUSED:
            assert isinstance(outcome, Unauthorized), (broken.what, outcome)
        else:
            assert cookie_user or isinstance(outcome, AuthError), (broken.what, outcome)


def test_the_reference_refuses_a_bearer_value_it_cannot_read_rather_than_read_the_cookie() -> None:
    for broken in _probe():
        if broken.case.kind == "authorization" and broken.char:
            outcome = _answer(auth(), "authenticate_request", broken)
            assert isinstance(outcome, Unauthorized), broken.what
            assert outcome.reason == "malformed_authorization", broken.what
    # an empty Authorization value is none at all, as @clerk/backend reads it: the cookie signs in
    (empty,) = [b for b in _probe() if b.case.name == "empty"]
    principal = auth().authenticate_request(broken_request("authenticate_request", empty))
    assert principal.external_id == "user_cookie"


def _crashes(entry: str) -> Callable[[Broken], bool]:
    sut = catalogue.load(entry).make(auth().settings)

    def crashed(broken: Broken) -> bool:
        try:
            _answer(sut, "authenticate_request", broken)
        except Exception:
            return True
        return False

    return crashed


@pytest.mark.parametrize("entry", ["cookie_unpack", "bearer_index", "ascii_header"])
def test_the_drawn_requests_alone_reach_each_request_layer_crash(entry: str) -> None:
    found = find(
        broken_request_draws(token_for("user_cookie"), token_for("user_header")),
        _crashes(entry),
        settings=settings(max_examples=500, database=None),
    )
    assert found.case.kind in ("cookie", "authorization")


def test_each_v2_case_breaks_a_valid_session_and_the_reference_never_crashes() -> None:
    settings_ = auth().settings
    session = {**V2_SESSION, "o": {"id": settings_.org_id, "rol": "admin"}}
    assert isinstance(auth().authenticate_claims(session), Principal)
    for case, claims in broken_v2_claims(session):
        assert claims != session, case.name
        with contextlib.suppress(AuthError):  # a refusal is allowed ("2" is v1 to Clerk: no org)
            auth().authenticate_claims(claims)
    assert [case.name for case, _ in broken_v2_claims(session)] == [c.name for c in V2_CASES]


def test_without_v2_extras_leaves_what_identity_is_read_from() -> None:
    claims = {"sub": "u", "v": "2", "fea": "o:a", "o": {"id": "org", "per": 3, "fpm": None}}
    assert without_v2_extras(claims) == {"sub": "u", "o": {"id": "org"}}
    assert without_v2_extras({"v": 2, "o": "org"}) == {"v": 2, "o": "org"}


@pytest.mark.parametrize("entry", ["permission_split", "version_compare", "fpm_per_feature"])
def test_a_v2_crash_is_v2_claims_and_the_drawn_claims_alone_reach_it(entry: str) -> None:
    target = Target.load(catalogue.sut_spec(entry))
    sut = target.fresh()

    def crashes(broken: tuple[Any, dict[str, Any]]) -> bool:
        try:
            sut.authenticate_claims(broken[1])
        except AuthError:
            return False
        except Exception:
            return True
        return False

    drawn = broken_v2_draws(target.settings.org_id)
    _, claims = find(drawn, crashes, settings=settings(max_examples=500, database=None))
    assert crash_cause(target, claims).name == "v2-claims"
