"""Reports a request without any credential as ``InvalidClaims`` (the seed's ``EINVALID``, meant
for a verified token with unusable claims) instead of ``Unauthorized``: clients and logs cannot
tell "not signed in" from "your token is broken". A low ``robustness`` finding."""

from __future__ import annotations

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Request, Settings
from reference.requests import ambient_token, relayed_token

VIOLATES = frozenset({"CB-FALLBACK-ORDER/error-class", "REQ-AMBIENT-ONLY/error-class"})


class MissingTokenInvalid(ReferenceAuthenticator):
    def authenticate_request(self, request: Request) -> Principal:
        if ambient_token(request) is None:
            raise InvalidClaims("no_token", "no credential")
        return super().authenticate_request(request)

    def callback_subject(self, request: Request) -> Principal:
        if (relayed_token(request) or ambient_token(request)) is None:
            raise InvalidClaims("no_token", "no credential")
        return super().callback_subject(request)


def make(settings: Settings) -> MissingTokenInvalid:
    return MissingTokenInvalid(settings)
