"""docs/findings.md, kept true for every audited package from one table (``findings.PEERS``):
each row it runs finds exactly the findings the document lists (every other holds, or is
undecided where the document says so), every invariant is accounted for, and the default gate
fails on exactly what the document calls vulnerabilities. A peer this machine cannot run (its
package, Node, a service not built) is skipped, saying what is missing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from conformance import Target
from conformance.blackbox.app import APP_ENV, AppProfile
from conformance.blackbox.service import ServedFactory
from tests.peers.findings import (
    PEERS,
    Peer,
    assert_findings,
    assert_gate,
    assert_partition,
    assert_undecided,
)

#: Finding lists are compared, not counterexamples: no shrinking (``conftest.unshrunk``).
pytestmark = pytest.mark.usefixtures("unshrunk")
BY_NAME = {peer.name: peer for peer in PEERS}
_LOADED: dict[str, Target] = {}


def target_of(peer: Peer) -> Target:
    """The peer's target, loaded once per process (a served one: its processes pooled)."""
    missing = peer.missing()
    if missing:
        pytest.skip(f"{peer.name} needs {missing}")
    if peer.name not in _LOADED:
        with _app_env(peer.app):
            _LOADED[peer.name] = Target.load(peer.spec)
    return _LOADED[peer.name]


@contextlib.contextmanager
def _app_env(app: AppProfile | None) -> Iterator[None]:
    """``CLERK_HARNESS_APP`` as ``clerk-harness audit --whoami …`` sets it, while the peer's
    target loads (its factory reads it once)."""
    if app is None:
        yield
        return
    previous = os.environ.get(APP_ENV)
    os.environ[APP_ENV] = app.to_env()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(APP_ENV)
        else:
            os.environ[APP_ENV] = previous


def _cases() -> list[object]:
    return [
        pytest.param(peer.name, row, id=f"{peer.name}-{row}",
                     marks=[pytest.mark.slow] if row in peer.slow else [])
        for peer in PEERS
        for row in peer.rows
    ]  # fmt: skip


@pytest.mark.parametrize("peer", sorted(BY_NAME))
def test_every_invariant_is_accounted_for(peer: str) -> None:
    assert_partition(target_of(BY_NAME[peer]), BY_NAME[peer])


@pytest.mark.parametrize(("peer", "row"), _cases())
def test_each_row_finds_what_the_findings_list(peer: str, row: str) -> None:
    listed = BY_NAME[peer]
    target = target_of(listed)
    if listed.fresh_per_row:
        assert isinstance(target.factory, ServedFactory)
        target.factory.drain()
    if row in listed.undecided:
        assert_undecided(target, row, listed.undecided[row])
    else:
        assert_findings(target, row, listed.findings)


@pytest.mark.parametrize("peer", sorted(BY_NAME))
def test_the_default_gate_fails_on_what_the_document_calls_vulnerabilities(peer: str) -> None:
    assert_gate(BY_NAME[peer].findings, BY_NAME[peer].gate)


def test_each_peer_skips_only_rows_it_accounts_for() -> None:
    for peer in PEERS:
        assert peer.skipped.keys() <= peer.holds, peer.name
        assert peer.undecided.keys().isdisjoint({*peer.findings, *peer.holds}), peer.name
