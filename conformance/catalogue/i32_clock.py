"""Correct but strict: reads the clock into a signed 32-bit integer, as a verifier on a 32-bit
``time_t`` (``int32_t now = time(NULL)``, or Rust's ``as i32``) does: past
2038-01-19T03:14:07Z, ``now`` wraps to 1901, every token is issued in its future, and every
session is refused (``Unauthorized``) — through the token, request and callback entry points
(claims given as verified carry no clock). One VALID-ACCEPTED/after-2038 finding names the
instant. Audited on that row alone: ``i32_times``, the class's other entry, is the one audited
on every row (``STRICT``)."""

from __future__ import annotations

import time

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import (
    check_audience,
    check_session_class,
    check_times,
    read_header,
    verify_signature,
)

VIOLATES = frozenset({"VALID-ACCEPTED/after-2038"})


def i32(seconds: float) -> int:
    """``seconds`` as a signed 32-bit integer holds them: wrapped."""
    return (int(seconds) + 2**31) % 2**32 - 2**31


class I32Clock(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_signature(token, self.keys, self.settings.algorithms)
        check_session_class(read_header(token), claims)
        check_times(claims, i32(time.time()), self.settings.leeway_s)
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> I32Clock:
    return I32Clock(settings)
