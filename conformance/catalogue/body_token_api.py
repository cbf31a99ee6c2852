"""API middleware that also accepts the ``clerk_session_token`` form field of any POST — a
relay meant only for the browser-login callback, now readable on every route, so a cross-site
form post carries the attacker's session into the victim's API calls."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import ambient_token, relayed_token

VIOLATES = frozenset({"REQ-AMBIENT-ONLY/body"})


class BodyTokenApi(ReferenceAuthenticator):
    def authenticate_request(self, request: Request) -> Principal:
        token = relayed_token(request) or ambient_token(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)


def make(settings: Settings) -> BodyTokenApi:
    return BodyTokenApi(settings)
