"""Checks ``azp`` against the authorized parties only when the token carries one: a token with
no ``azp`` — minted for another audience, or by a backend-to-backend flow — passes the check
that was configured to stop tokens from other origins."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from reference import Principal, ReferenceAuthenticator, Settings, Unauthorized
from reference.tokens import check_session_class, check_times, read_header, verify_signature

VIOLATES = frozenset(
    {
        "TOKEN-AUDIENCE/azp-missing",
    }
)


def check_audience_when_present(claims: Mapping[str, Any], settings: Settings) -> None:
    azp = claims.get("azp")
    if settings.authorized_parties and azp is not None and azp not in settings.authorized_parties:
        raise Unauthorized("bad_azp", f"azp {azp!r} is not authorized")
    if settings.issuer is not None and claims.get("iss") != settings.issuer:
        raise Unauthorized("bad_iss", f"iss {claims.get('iss')!r} is not {settings.issuer!r}")


class AzpWhenPresent(ReferenceAuthenticator):
    def authenticate_token(self, token: str) -> Principal:
        claims = verify_signature(token, self.keys, self.settings.algorithms)
        check_session_class(read_header(token), claims)
        check_times(claims, time.time(), self.settings.leeway_s)
        check_audience_when_present(claims, self.settings)
        return self.authenticate_claims(claims)


def make(settings: Settings) -> AzpWhenPresent:
    return AzpWhenPresent(settings)
