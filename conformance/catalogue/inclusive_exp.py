"""Treats a token as expired only when ``now > exp + leeway`` — go-jose's and golang-jwt's
comparison, and so Clerk's Go SDK's: at exactly ``exp + leeway`` the token is still accepted,
where RFC 7519 says it has expired. One second (one nanosecond, on a nanosecond clock) at the
boundary: a low finding, not a hole."""

from __future__ import annotations

import time
from dataclasses import replace

from reference import Principal, ReferenceAuthenticator, Settings
from reference.tokens import check_times, verify_token

VIOLATES = frozenset(
    {
        "TOKEN-TIME/exp-boundary",
    }
)


class InclusiveExp(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        leeway = self.settings.leeway_s
        # exp compared one second later: at exp + leeway exactly, still valid (whole seconds)
        claims = verify_token(token, self.keys, replace(self.settings, leeway_s=leeway + 1))
        # nbf and iat with the leeway as it is: only the exp comparison is off by one
        times = {name: value for name, value in claims.items() if name != "exp"}
        check_times(times, time.time(), leeway, required=("iat",))
        return self.authenticate_claims(claims)


def make(settings: Settings) -> InclusiveExp:
    return InclusiveExp(settings)
