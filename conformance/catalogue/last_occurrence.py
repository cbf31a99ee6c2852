"""Reads the *last* occurrence of a repeated credential — the last ``Authorization: Bearer``
header, the last ``__session`` cookie, the last ``clerk_session_token`` field — as a dict built
from pairs does. Whoever can append a header, a cookie (cookie tossing from a sibling
subdomain) or a field gets to choose the identity. A Bearer header with no token (a bare
``Bearer``) is no Bearer token to it either: the cookie is read instead."""

from __future__ import annotations

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import (
    RELAY_FIELD,
    SESSION_COOKIE,
    cookies,
    form_fields,
    header_values,
    is_form_post,
)

VIOLATES = frozenset(
    {
        "CB-FALLBACK-ORDER/later-occurrence",
        "CB-FALLBACK-ORDER/malformed-authorization",
        "CB-RELAYED-FIRST/later-occurrence",
        "REQ-AMBIENT-ONLY/later-occurrence",
        "REQ-AMBIENT-ONLY/malformed-authorization",
    }
)


def last(pairs: list[tuple[str, str]], name: str) -> str | None:
    """The value of the last pair named ``name`` (``dict(pairs)[name]``), if non-empty."""
    return dict(pairs).get(name) or None


def ambient(request: Request) -> str | None:
    schemes = [v.partition(" ") for v in header_values(request, "authorization")]
    bearers = [token for scheme, _, token in schemes if scheme.lower() == "bearer"]
    bearer = bearers[-1].strip() if bearers else None
    return bearer or last(cookies(request), SESSION_COOKIE)


class LastOccurrence(ReferenceAuthenticator):
    def authenticate_request(self, request: Request) -> Principal:
        token = ambient(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)

    def callback_subject(self, request: Request) -> Principal:
        relayed = last(form_fields(request.body), RELAY_FIELD) if is_form_post(request) else None
        token = relayed or ambient(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)


def make(settings: Settings) -> LastOccurrence:
    return LastOccurrence(settings)
