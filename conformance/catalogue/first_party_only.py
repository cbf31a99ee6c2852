"""With several authorized parties configured, accepts only the first one's tokens (``azp ==
parties[0]``): the second application of the deployment is signed out. Fails closed — a
``completeness`` finding."""

from __future__ import annotations

from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import verify_token

VIOLATES = frozenset({"TOKEN-AUDIENCE/listed-party"})


class FirstPartyOnly(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims: dict[str, Any] = verify_token(token, self.keys, self.settings)
        parties = self.settings.authorized_parties
        if parties and claims.get("azp") != parties[0]:
            raise Unauthorized("bad_azp", f"azp {claims.get('azp')!r} is not {parties[0]!r}")
        return self.authenticate_claims(claims)


def make(settings: Settings) -> FirstPartyOnly:
    return FirstPartyOnly(settings)
