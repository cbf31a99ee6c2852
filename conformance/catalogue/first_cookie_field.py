"""Reads cookies from the first ``Cookie`` header only (``headers.get("cookie")``): a
``__session`` cookie in a second field — which a proxy that does not join them passes on — is
not seen, and the request is signed out. Fails closed: a low ``completeness`` finding."""

from __future__ import annotations

from reference import Request, Settings
from reference.requests import bearer_token, header_values

from ._base import AmbientReader

VIOLATES = frozenset({"CB-FALLBACK-ORDER/cookie-split", "REQ-AMBIENT-ONLY/cookie-split"})


def first_field_session(request: Request) -> str | None:
    """The ``__session`` value of the first ``Cookie`` field, if it has one."""
    fields = header_values(request, "cookie")
    for fragment in (fields[0] if fields else "").split(";"):
        name, sep, value = fragment.strip().partition("=")
        if sep and name.strip() == "__session" and value.strip():
            return value.strip()
    return None


class FirstCookieField(AmbientReader):
    def ambient_token(self, request: Request) -> str | None:
        return bearer_token(request) or first_field_session(request)


def make(settings: Settings) -> FirstCookieField:
    return FirstCookieField(settings)
