"""Tolerates an hour of clock skew on ``exp``, ``nbf`` and ``iat``, whatever the settings say —
the "fix" for a flaky test with a badly synchronised clock. A stolen token stays usable for an
hour after it expired; Clerk's session tokens live 60 seconds."""

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

VIOLATES = frozenset(
    {
        "TOKEN-TIME/expired",
        "TOKEN-TIME/expired-replay",
    }
)

LEEWAY_S = 3600.0


class HourLeeway(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_signature(token, self.keys, self.settings.algorithms)
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), LEEWAY_S)
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> HourLeeway:
    return HourLeeway(settings)
