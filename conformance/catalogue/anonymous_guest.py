"""A request with no credential is let in as a shared anonymous guest user ("public read
access"): every unauthenticated caller is one principal of the trusted org."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Role, Settings
from reference.requests import ambient_token, relayed_token

VIOLATES = frozenset(
    {"CB-FALLBACK-ORDER/without-credential", "REQ-AMBIENT-ONLY/without-credential"}
)


class AnonymousGuest(ReferenceAuthenticator):
    def anonymous(self) -> Principal:
        return Principal("usr_anonymous", "anonymous", self.settings.org_id, Role.GUEST, "")

    def authenticate_request(self, request: Request) -> Principal:
        token = ambient_token(request)
        return self.anonymous() if token is None else self.authenticate_token(token)

    def callback_subject(self, request: Request) -> Principal:
        token = relayed_token(request) or ambient_token(request)
        return self.anonymous() if token is None else super().callback_subject(request)


def make(settings: Settings) -> AnonymousGuest:
    return AnonymousGuest(settings)
