"""Ignores the configured clock skew and checks ``exp``, ``nbf`` and ``iat`` against its own clock
exactly (clerk/clerk-sdk-go issue #281: a token issued a second "in the future" by a skewed
clock was refused). Fails closed: valid sessions are refused — a ``completeness`` finding."""

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

VIOLATES = frozenset({"TOKEN-TIME/within-leeway"})


class NoLeeway(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_signature(token, self.keys, self.settings.algorithms)
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), 0)
        check_audience(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> NoLeeway:
    return NoLeeway(settings)
