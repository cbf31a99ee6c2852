"""The seed's backend *before* its fix (flanksource/mission-control #3298), as behaviour in Python.

* Claims are read with a "stringify anything" helper: a missing value becomes ``"None"``.
* Users are cached under the stringified ``sid`` — so every sid-less (JWT-template) token shares
  the key ``"None"`` — and the cache is read *before* the org is checked.
* The user is the stringified ``user_id`` template claim (``"None"`` when absent), the org the
  stringified flat ``org_id`` (v2's ``o.id`` unknown), the role the same ``clerkRole`` mapping
  the fixed code kept; ``sts`` is not read.
* The callback takes the ambient credential (Bearer, then ``__session``) before the relayed
  token, and reads ``clerk_session_token`` like Go's ``FormValue``: body, else query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Request, Settings, TTLCache, Unauthorized
from reference.requests import ambient_token, relayed_token

from .query_token import query_token
from .upstream_after_fix import clerk_role

VIOLATES = frozenset(
    {
        "CACHE-ISOLATION/own-identity",
        "CACHE-KEY-INJECTIVE/unacceptable",
        "CB-NO-FALLBACK-ON-FAILURE",
        "CB-NO-QUERY",
        "CB-RELAYED-FIRST/other-place-used",
        "CB-RELAYED-FIRST/relayed-refused",
        "ID-FAITHFUL/user-from-token",
        "ID-ORG-PINNED",
        "ID-REQUIRED/missing-user",
        "ID-SHAPE-INVARIANT",
        "ID-UNAMBIGUOUS",
        "ROLE-NO-ESCALATION",
        "SESSION-PENDING",
        "SID-INDEPENDENT/session-id-echo",
        "SID-INDEPENDENT/shared-sid",
        "VALID-ACCEPTED/v2",
    }
)
#: It knows no v2 ``o.id``, so it refuses every v2 session: any row whose valid sessions
#: (controls) include v2 ones cannot be decided, and says so rather than ``holds``.
INCONCLUSIVE = "all"


def stringify(value: object) -> str:
    """``fmt.Sprint``-style: whatever the claim holds becomes a string, ``None`` included."""
    return str(value)


class UpstreamBeforeFix(ReferenceAuthenticator):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.by_session: TTLCache[str, Principal] = TTLCache(settings.cache_ttl_s)

    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if not isinstance(claims, Mapping):  # Go's jwt.MapClaims is always a map
            raise Unauthorized("malformed_claims")
        session_id = stringify(claims.get("sid"))
        cached = self.by_session.get(session_id)
        if cached is not None:
            return cached
        org_id = stringify(claims.get("org_id"))
        if org_id != self.settings.org_id:
            raise Unauthorized("org_mismatch", org_id)
        external_id = stringify(claims.get("user_id"))
        record = self.users.get_or_create((org_id, external_id))
        principal = Principal(record.user_id, external_id, org_id, clerk_role(claims), session_id)
        self.by_session.put(session_id, principal)
        return principal

    def callback_subject(self, request: Request) -> Principal:
        token = ambient_token(request) or relayed_token(request) or query_token(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)


def make(settings: Settings) -> UpstreamBeforeFix:
    return UpstreamBeforeFix(settings)
