"""The invariants (README, *The invariants*), one check function per ID, grouped by concern.

Each check takes a ``Target`` and runs a Hypothesis test against fresh SUT instances; it raises
``InvariantViolation`` (whose message starts with the ID) with a shrunk counterexample.
"""
