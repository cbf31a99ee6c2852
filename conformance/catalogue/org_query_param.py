"""Lets an ``?org_id=`` query parameter pick the active org when the token names none in its
flat ``org_id`` (every v2 token) — an org switcher wired into the middleware: a session in
another org becomes one in the trusted org by asking."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from reference import Request, Settings

from ._base import OrgFromRequest

VIOLATES = frozenset({"REQ-NO-SPOOF/param"})


class OrgQueryParam(OrgFromRequest):
    def org_hint(self, request: Request) -> str | None:
        return next(iter(parse_qs(urlsplit(request.target).query).get("org_id", [])), None)


def make(settings: Settings) -> OrgQueryParam:
    return OrgQueryParam(settings)
