"""The login-history state machine (``strategies.login_history_machine``) as the second,
stronger check of CACHE-ISOLATION, CACHE-NO-POISON and CACHE-FRESH: long histories mixing
confusable identities, rejected logins, role changes and clock jumps, shrunk to a short one."""

from __future__ import annotations

from typing import Any

from hypothesis import Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from strategies import HistoryViolation, frozen_clock, login_history_machine

from ..findings import is_off
from ..service import example_scope
from ..target import InvariantViolation, Target
from ._common import is_capturing

#: The row each machine check belongs to.
ROWS = {"isolation": "CACHE-ISOLATION", "poison": "CACHE-NO-POISON", "fresh": "CACHE-FRESH"}


def check_history(target: Target, check: str) -> None:
    """Run the machine against ``target`` with only ``check`` on; its violation becomes an
    ``InvariantViolation`` (the machine's numbered history, Hypothesis's notes kept)."""
    if is_capturing():  # HypoFuzz targets: the machine is fuzzed through its own TestCase
        return
    if is_off(ROWS[check], "history"):  # found already: the machine has nothing more to say
        return
    active = settings()  # the loaded profile, its stateful_step_count included
    phases = tuple(phase for phase in active.phases if phase is not Phase.explain)
    with frozen_clock() as clock:
        machine = login_history_machine(
            target.token_factory(), target.settings, checks=(check,), clock=clock
        )
        try:
            run_state_machine_as_test(
                _scoped(machine),
                settings=settings(active, report_multiple_bugs=False, phases=phases, deadline=None),
            )
        except HistoryViolation as found:
            sub = "crash" if found.invariant_id == "TOTAL" else "history"
            sub = "locked-out" if found.locked_out else sub
            if is_off(found.invariant_id, sub):  # a crash already reported: nothing new
                return
            _, _, message = str(found).partition(" violated: ")
            violation = InvariantViolation(found.invariant_id, message, sub=sub)
            for note in getattr(found, "__notes__", []):
                violation.add_note(note)
            raise violation from found


def _scoped(machine: type[RuleBasedStateMachine]) -> type[RuleBasedStateMachine]:
    """``machine`` whose every run is one example for served instances (``example_scope``):
    what a run leased goes back at its teardown, even when its violation's traceback keeps it."""

    class Scoped(machine):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            self._leases: Any = example_scope()
            self._leases.__enter__()
            super().__init__()

        def teardown(self) -> None:
            try:
                super().teardown()
            finally:
                self._leases.__exit__(None, None, None)

    return Scoped
