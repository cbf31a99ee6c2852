"""The login-history state machine: it finds the seed bug in a short history, finds each cache
flaw its checks name, and passes against both correct implementations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance.catalogue import load
from reference import Settings, make
from strategies import (
    TRUSTED_ORG,
    HistoryViolation,
    frozen_clock,
    login_history_machine,
    signing_keys,
)
from tests.impls.alternative_impl import make as alternative_make

CI = settings(
    settings.get_profile("clerk-ci"),
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
#: Finding a flaw, not shrinking it (shrinking a history replays it hundreds of times; the seed
#: bug's test holds the shrinking to account).
UNSHRUNK = settings(CI, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def run(machine: type[RuleBasedStateMachine], config: settings = CI) -> None:
    run_state_machine_as_test(machine, settings=config)


def violation(
    make_sut: Callable[[Settings], Any], *checks: str, config: settings = CI
) -> HistoryViolation:
    with frozen_clock() as clock, pytest.raises(HistoryViolation) as caught:
        machine = login_history_machine(make_sut, checks=checks or ("isolation",), clock=clock)
        run(machine, config)
    return caught.value


def steps_of(found: HistoryViolation) -> list[str]:
    """The shrunk history as Hypothesis prints it: one ``state.<rule>(...)`` line a step."""
    notes = "\n".join(getattr(found, "__notes__", []))
    return re.findall(r"^(?:\w+(?:, \w+)* = )?state\.(?!teardown)(\w+)\(", notes, re.MULTILINE)


def test_the_seed_bug_shrinks_to_a_short_history_ending_in_someone_elses_identity() -> None:
    found = violation(load("upstream_before_fix").make)
    assert found.invariant_id == "CACHE-ISOLATION"
    steps = steps_of(found)
    assert 2 <= len(steps) <= 4, steps
    assert steps[-1] in ("log_in", "a_pair_logs_in"), steps  # a login, alone or with its twin
    numbered = re.findall(r"^  \d+\. (.*)$", str(found), re.MULTILINE)
    assert len(numbered) == len(steps) + steps.count("a_pair_logs_in")  # a pair: two lines
    # The last step is a login whose user got another user's identity.
    who = re.match(r"'(\w+)' logs in", numbered[-1])
    assert who is not None
    got = re.search(r"'(\w+)' got '(\w+)''s internal user|fresh instance", str(found))
    assert got is not None and (got.group(1) is None or got.group(1) != got.group(2))


@pytest.mark.parametrize(
    ("entry", "check", "invariant_id"),
    [
        ("session_scoped_user", "isolation", "CACHE-ISOLATION"),
        ("caches_rejections", "poison", "CACHE-NO-POISON"),
        ("sliding_role_cache", "fresh", "CACHE-FRESH"),
        ("eternal_cache", "fresh", "CACHE-FRESH"),
    ],
)
def test_each_check_catches_its_flaw(entry: str, check: str, invariant_id: str) -> None:
    found = violation(load(entry).make, check, config=UNSHRUNK)
    assert found.invariant_id == invariant_id
    assert str(found).startswith(f"{invariant_id} violated:") and "\n  1. " in str(found)


@pytest.mark.parametrize("make_sut", [make, alternative_make], ids=["reference", "alternative"])
def test_correct_implementations_pass_every_history(make_sut: Callable[[Settings], Any]) -> None:
    with frozen_clock() as clock:
        run(login_history_machine(make_sut, clock=clock))


def test_a_token_only_sut_gets_signed_tokens() -> None:
    class TokensOnly:
        def __init__(self, settings: Settings) -> None:
            self.inner = make(settings)

        def authenticate_token(self, token: str) -> Any:
            return self.inner.authenticate_token(token)

    with frozen_clock() as clock:
        run(login_history_machine(TokensOnly, clock=clock))


def test_the_machine_freezes_its_own_clock_when_given_none() -> None:
    settings_ = Settings(org_id=TRUSTED_ORG, jwks=signing_keys().jwks, cache_ttl_s=60)
    run_state_machine_as_test(
        login_history_machine(make, settings_),
        settings=settings(CI, max_examples=10),
    )


def test_checks_are_validated() -> None:
    with pytest.raises(InvalidArgument):
        login_history_machine(make, checks=("speed",))
