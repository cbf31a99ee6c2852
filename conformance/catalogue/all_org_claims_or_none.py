"""clerk-rs 0.5.0's v1 org: filled only when ``org_id``, ``org_slug``, ``org_role`` and
``org_permissions`` are all present (one ``Option`` of four fields deserialized together);
any one absent, the session names no org — and here, where a session must name the
deployment's org, it is refused (``InvalidClaims``). Clerk mints v1 sessions with any of the
three absent (no role, no slug, no custom permissions), the plain ``{sub, org_id, sid}`` too:
one VALID-ACCEPTED/v1 finding names the form, and the other rows — their v1 and plain
controls refused, as the 23 rows clerk-rs left ``inconclusive`` — point to it. It never
accepts wrongly; v2's ``o`` is read as the reference reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference import InvalidClaims, Principal, ReferenceAuthenticator, Settings

VIOLATES = frozenset({"VALID-ACCEPTED/v1"})
#: The rows whose plain session (``{sub, org_id, sid}``) it refuses; the others are decided on
#: the v1 sessions with all four org claims, and the v2 ones.
INCONCLUSIVE = ("TOTAL", "CACHE-ISOLATION")
#: The four v1 org claims clerk-rs reads together.
ORG_CLAIMS = frozenset({"org_id", "org_slug", "org_role", "org_permissions"})


class AllOrgClaimsOrNone(ReferenceAuthenticator):
    def authenticate_claims(self, claims: Mapping[str, Any]) -> Principal:
        if isinstance(claims, Mapping) and "org_id" in claims and not set(claims) >= ORG_CLAIMS:
            raise InvalidClaims("missing_org", "the org needs all of org_id, org_slug, org_role…")
        return super().authenticate_claims(claims)


def make(settings: Settings) -> AllOrgClaimsOrNone:
    return AllOrgClaimsOrNone(settings)
