"""Trusts a client-sent ``X-Organization-ID`` whenever the token's flat ``org_id`` is empty —
which it always is for v2 tokens, whose org is ``o.id``: a session in another org becomes one
in the trusted org by saying so (a published Django integration's middleware)."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import header_values

from ._base import OrgFromRequest

VIOLATES = frozenset({"REQ-NO-SPOOF/header"})


class OrgHeaderFallback(OrgFromRequest):
    def org_hint(self, request: Request) -> str | None:
        return next(iter(header_values(request, "x-organization-id")), None)


def make(settings: Settings) -> OrgHeaderFallback:
    return OrgHeaderFallback(settings)
