"""Tolerates an hour of clock skew on ``exp``, ``nbf`` and ``iat``, whatever the settings say —
the "fix" for a flaky test with a badly synchronised clock. A stolen token stays usable for an
hour after it expired; Clerk's session tokens live 60 seconds."""

from __future__ import annotations

from dataclasses import replace

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import verify_token

VIOLATES = frozenset(
    {
        "TOKEN-TIME/expired",
        "TOKEN-TIME/expired-replay",
    }
)

LEEWAY_S = 3600.0


class HourLeeway(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        settings = replace(self.settings, leeway_s=LEEWAY_S)
        return self.authenticate_claims(verify_token(token, self.keys, settings))


def make(settings: Settings) -> HourLeeway:
    return HourLeeway(settings)
