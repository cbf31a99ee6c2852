"""Its API middleware lets machines in: a Bearer token or cookie that starts like a Clerk
machine credential (``mt_``, ``oat_``, ``ak_``) is a signed-in service with no user at all —
without asking Clerk whether the token exists (what Clerk's Python SDK reports, configured as
its README shows)."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Role, Settings
from reference.requests import ambient_token
from strategies import MACHINE_PREFIXES

VIOLATES = frozenset({"SESSION-TOKENS-ONLY/opaque"})


class MachineKeysSignedIn(ReferenceAuthenticator):
    def authenticate_request(self, request: Request) -> Principal:
        token = ambient_token(request)
        if token is not None and token.startswith(MACHINE_PREFIXES):
            return Principal("", "", self.settings.org_id, Role.VIEWER, "")
        return super().authenticate_request(request)


def make(settings: Settings) -> MachineKeysSignedIn:
    return MachineKeysSignedIn(settings)
