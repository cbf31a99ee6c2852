"""Completes a browser login with any credential the API accepts, Clerk machine tokens included
(``mt_…``, ``oat_…``, ``ak_…``): an API key pasted into the callback mints a browser session.

Offline, Clerk's machine-token verification is modelled as accepting every well-formed token
and naming its machine as the subject — what the Backend API would answer for a genuine one."""

from __future__ import annotations

import hashlib

from reference import Principal, ReferenceAuthenticator, Request, Role, Settings, Unauthorized
from reference.requests import ambient_token, relayed_token

VIOLATES = frozenset({"CB-SESSION-TOKENS-ONLY/machine-token", "SESSION-TOKENS-ONLY/opaque"})
MACHINE_PREFIXES = ("mt_", "oat_", "ak_")


class ApiTokenCallback(ReferenceAuthenticator):
    def verify_machine_token(self, token: str) -> Principal:
        """Stand-in for Clerk's machine-token verification endpoint."""
        machine = "mch_" + hashlib.sha256(token.encode()).hexdigest()[:24]
        record = self.users.get_or_create((self.settings.org_id, machine))
        return Principal(record.user_id, machine, self.settings.org_id, Role.VIEWER, "")

    def callback_subject(self, request: Request) -> Principal:
        token = relayed_token(request) or ambient_token(request)
        if token is None:
            raise Unauthorized("no_token")
        if token.startswith(MACHINE_PREFIXES):
            return self.verify_machine_token(token)
        return self.authenticate_token(token)


def make(settings: Settings) -> ApiTokenCallback:
    return ApiTokenCallback(settings)
