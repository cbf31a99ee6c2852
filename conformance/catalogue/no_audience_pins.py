"""Correct but strict: it has no setting for authorized parties or an issuer — a package that
verifies the signature, the times and the org, and reads ``azp`` and ``iss`` nowhere — and it
says so: ``make.unsupported = ("authorized_parties", "issuer")``. TOKEN-AUDIENCE's sub-checks on
those settings are then ``n/a``, with the reason, and every other row holds: what it cannot be
configured to do is listed beside its verdicts, not reported as a flaw it was never asked to
avoid."""

from __future__ import annotations

from dataclasses import replace

from reference import ReferenceAuthenticator, Settings

VIOLATES: frozenset[str] = frozenset()


def make(settings: Settings) -> ReferenceAuthenticator:
    return ReferenceAuthenticator(replace(settings, authorized_parties=(), issuer=None))


make.unsupported = ("authorized_parties", "issuer")  # type: ignore[attr-defined]
