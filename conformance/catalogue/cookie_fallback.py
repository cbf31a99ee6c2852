"""When the relayed token fails, retries with the ambient credential ("be forgiving"): an
attacker's broken relay silently becomes a login as whoever owns the browser's cookie."""

from __future__ import annotations

from reference import AuthError, Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import ambient_token, relayed_token

VIOLATES = frozenset(
    {
        "CB-NO-FALLBACK-ON-FAILURE/fallback",
    }
)


class CookieFallback(ReferenceAuthenticator):
    def callback_subject(self, request: Request) -> Principal:
        last_error: AuthError = Unauthorized("no_token")
        for token in (relayed_token(request), ambient_token(request)):
            if token is None:
                continue
            try:
                return self.authenticate_token(token)
            except AuthError as exc:
                last_error = exc
        raise last_error


def make(settings: Settings) -> CookieFallback:
    return CookieFallback(settings)
