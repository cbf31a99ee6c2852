"""Reads ``clerk_session_token`` from the query string too — like Go's ``FormValue`` or Flask's
``request.values`` — when the body and ambient credentials have none: a link can log the victim
in as whoever minted the token (login CSRF), and tokens leak into logs and ``Referer``."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from reference import Principal, ReferenceAuthenticator, Request, Settings, Unauthorized
from reference.requests import RELAY_FIELD, ambient_token, relayed_token

VIOLATES = frozenset(
    {
        "CB-NO-QUERY/query",
        "REQ-AMBIENT-ONLY/query",
    }
)


def query_token(request: Request) -> str | None:
    """The first ``clerk_session_token`` query parameter."""
    params = parse_qsl(urlsplit(request.target).query)
    return next((value for name, value in params if name == RELAY_FIELD and value), None)


class QueryToken(ReferenceAuthenticator):
    def callback_subject(self, request: Request) -> Principal:
        token = relayed_token(request) or ambient_token(request) or query_token(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)

    def authenticate_request(self, request: Request) -> Principal:
        token = ambient_token(request) or query_token(request)
        if token is None:
            raise Unauthorized("no_token")
        return self.authenticate_token(token)


def make(settings: Settings) -> QueryToken:
    return QueryToken(settings)
