"""Reading tokens out of raw HTTP requests: headers, the ``Cookie`` header, form bodies.

Only what the policy reads is parsed, and strictly: a malformed value is ``Unauthorized``,
never a crash. The query string is never read.
"""

from __future__ import annotations

import re

from .contract import Request
from .errors import Unauthorized

SESSION_COOKIE = "__session"
RELAY_FIELD = "clerk_session_token"
FORM_TYPE = "application/x-www-form-urlencoded"
_HEX = frozenset("0123456789abcdefABCDEF")
_READABLE = re.compile("[\t\x20-\x7e]*")


def _is_header_pair(pair: object) -> bool:
    return isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)


def header_values(request: Request, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in order."""
    if not isinstance(request.headers, tuple):
        raise Unauthorized("malformed_request", "headers must be a tuple of pairs")
    values = []
    for pair in request.headers:
        if not _is_header_pair(pair):
            raise Unauthorized("malformed_request", "a header is not a (name, value) pair of str")
        if pair[0].isascii() and pair[0].lower() == name:  # no Unicode case-folding tricks
            if any(ch in pair[1] for ch in "\r\n\x00"):
                raise Unauthorized("malformed_header", f"{name} contains CR, LF or NUL")
            values.append(pair[1])
    return values


def readable(value: str) -> bool:
    """Visible ASCII, spaces and tabs only: what an ``Authorization`` value is made of."""
    return _READABLE.fullmatch(value) is not None


def bearer_token(request: Request) -> str | None:
    """The token of the one ``Authorization: Bearer`` header (scheme case-insensitive). A value
    with a non-ASCII character or a control byte is refused, never taken for no header: Clerk's
    SDKs take a present value as the credential, and never read the cookie instead."""
    values = header_values(request, "authorization")
    if len(values) > 1:
        raise Unauthorized("ambiguous_authorization", "several Authorization headers")
    if not values:
        return None
    if not readable(values[0]):
        raise Unauthorized("malformed_authorization", "a non-ASCII or control character")
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token:
        raise Unauthorized("malformed_authorization", "Bearer with no token")
    return token


def cookies(request: Request) -> list[tuple[str, str]]:
    """All cookie pairs of every ``Cookie`` header, in order (unnamed fragments skipped)."""
    pairs = []
    for header in header_values(request, "cookie"):
        for fragment in header.split(";"):
            name, sep, value = fragment.strip().partition("=")
            if sep:
                pairs.append((name.strip(), value.strip()))
    return pairs


def session_cookie(request: Request) -> str | None:
    """The value of the one ``__session`` cookie (exact name)."""
    values = [value for name, value in cookies(request) if name == SESSION_COOKIE]
    if len(values) > 1:
        raise Unauthorized("ambiguous_cookie", "several __session cookies")
    if not values or not values[0]:
        return None
    return values[0]


def ambient_token(request: Request) -> str | None:
    """The ambient credential: ``Authorization: Bearer``, else the ``__session`` cookie."""
    return bearer_token(request) or session_cookie(request)


def percent_decode(text: str) -> str:
    """Strict ``application/x-www-form-urlencoded`` decoding of one name or value."""
    text = text.replace("+", " ")
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%":
            digits = text[i + 1 : i + 3]
            if len(digits) != 2 or not set(digits) <= _HEX:
                raise Unauthorized("malformed_body", "bad percent-encoding")
            out.append(int(digits, 16))
            i += 3
        else:
            out += ch.encode("utf-8")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unauthorized("malformed_body", "percent-encoded bytes are not UTF-8") from exc


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """The fields of a form body, in order."""
    if not isinstance(body, bytes):
        raise Unauthorized("malformed_request", "body must be bytes")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise Unauthorized("malformed_body", "form body is not ASCII") from exc
    fields = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            fields.append((percent_decode(name), percent_decode(value)))
    return fields


def is_form_post(request: Request) -> bool:
    """A ``POST`` whose ``Content-Type`` is ``application/x-www-form-urlencoded``. Several
    ``Content-Type`` headers, or a list in one, make the body's kind ambiguous: rejected, so a
    relayed token can never be silently dropped for an ambient one."""
    if request.method != "POST":
        return False
    types = header_values(request, "content-type")
    if len(types) > 1 or any("," in value for value in types):
        raise Unauthorized("ambiguous_content_type", "several Content-Type values")
    return bool(types) and types[0].split(";", 1)[0].strip().lower() == FORM_TYPE


def relayed_token(request: Request) -> str | None:
    """The first ``clerk_session_token`` field of a form POST body, when non-empty."""
    if not is_form_post(request):
        return None
    values = [value for name, value in form_fields(request.body) if name == RELAY_FIELD]
    return values[0] if values and values[0] else None


def looks_like_jwt(token: str) -> bool:
    """Three non-empty dot-separated segments: the only shape a session token has."""
    parts = token.split(".")
    return len(parts) == 3 and all(parts)
