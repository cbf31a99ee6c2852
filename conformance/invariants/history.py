"""The login-history state machine (``strategies.login_history_machine``) as the second,
stronger check of CACHE-ISOLATION, CACHE-NO-POISON and CACHE-FRESH: long histories mixing
confusable identities, rejected logins, role changes and clock jumps, shrunk to a short one."""

from __future__ import annotations

from typing import Any

from hypothesis import Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from strategies import HistoryViolation, frozen_clock, login_history_machine

from ..blackbox.service import example_scope
from ..findings import SubCheck, example_failed, is_off
from ..rows import CRASH
from ..target import InvariantViolation, Target
from ._common import is_capturing


def check_history(
    target: Target, check: str, history: SubCheck, locked_out: SubCheck | None = None
) -> None:
    """Run the machine against ``target`` with only ``check`` on; its violation becomes an
    ``InvariantViolation`` of ``history`` (of ``locked_out`` for a lock-out, of TOTAL's
    ``crash`` for a crash), the machine's numbered history and Hypothesis's notes kept."""
    if is_capturing():  # HypoFuzz targets: the machine is fuzzed through its own TestCase
        return
    if is_off(history):  # found already: the machine has nothing more to say
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
            example_failed(replays=1)  # Hypothesis ran the failing history once more
            sub = CRASH if found.invariant_id == CRASH.row else history
            sub = locked_out if found.locked_out and locked_out is not None else sub
            if is_off(sub):  # a crash already reported: nothing new
                return
            _, _, message = str(found).partition(" violated: ")
            violation = InvariantViolation(sub.row, message, sub=sub.name)
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
