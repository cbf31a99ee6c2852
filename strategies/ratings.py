"""How an input is rated when an implementation mishandles it: who can send it (``Reach``) and
how bad accepting it is (``Severity``). Attacks carry both at registration; the conformance
suite's findings inherit them."""

from __future__ import annotations

from enum import StrEnum


class Reach(StrEnum):
    """Who can produce an input: no key and no session (a forged, malformed or made-up
    credential); a valid session of one's own (replayed, re-encoded, moved, or one Clerk mints
    for everyone); only a token the instance's key signed with content Clerk does not mint by
    default (template claims, odd registered claims, a megabyte of payload)."""

    ANYONE = "anyone"
    USER = "user"
    ISSUER = "issuer"


class Severity(StrEnum):
    """How bad a finding is, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


ANYONE, USER, ISSUER = Reach.ANYONE, Reach.USER, Reach.ISSUER
CRITICAL, HIGH, MEDIUM, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
