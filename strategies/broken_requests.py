"""Cookie and ``Authorization`` headers as clients really break them — each beside a valid
session, so what an implementation answers says whether it read the session or not.

A ``BrokenCase`` builds the header fields of one request from two valid session tokens: the
cookie's (``token``, the one a browser carries in ``__session``) and another user's
(``other``, mangled in a broken ``Authorization`` value), and says what every correct
implementation may answer (``expect``):

* ``COOKIE_OR_REFUSED`` — the cookie's user, or a refusal (Clerk's SDKs differ: @clerk/backend
  percent-decodes a cookie value and reads the first of two, Clerk's Java SDK reads it as
  sent; a quoted value @clerk/express refuses, the alternative implementation unquotes);
* ``REFUSED`` — no usable credential at all: ``Unauthorized``;
* ``NOT_COOKIE`` — a malformed ``Authorization: Bearer`` value (non-ASCII or control bytes, a
  bare scheme): anything but the cookie's user. Clerk's SDKs take a present ``Authorization``
  value as the credential — @clerk/backend the whole value when it has no space, Clerk's Java
  SDK always — and refuse it when it is broken; they never read the cookie instead.

``broken_requests(token, other)`` is every case once, with each of its characters (a check's
probe: deterministic, each met whatever a seed draws); ``broken_request_draws(token, other)``
draws a case, the character it puts in (any non-ASCII character, any control byte HTTP/1.1 can
carry) and where.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

Headers = tuple[tuple[str, str], ...]

COOKIE_OR_REFUSED = "cookie-or-refused"
REFUSED = "refused"
NOT_COOKIE = "not-cookie"
KINDS = ("cookie", "authorization")

#: Non-ASCII characters a probe puts in: Latin-1's é, a no-break space (which ``str.split()``
#: takes for a separator), a line separator (which ``str.splitlines()`` does), an emoji.
NON_ASCII = ("\u00e9", "\u00a0", "\u2028", "\U0001f600")
#: Control bytes HTTP/1.1 can carry in a field value (not CR, LF, NUL, which end or break the
#: field; not HTAB, which is whitespace): SOH, BS, VT (``str.split()`` splits on it), ESC, DEL.
CONTROLS = ("\x01", "\x08", "\x0b", "\x1b", "\x7f")


@dataclass(frozen=True)
class BrokenCase:
    """One way a request's headers break: its name, kind (``"cookie"`` or
    ``"authorization"``), what it is, what may be answered (``expect``), and which characters
    it puts in (``NON_ASCII``, ``CONTROLS``, or none)."""

    name: str
    kind: str
    what: str
    expect: str
    chars: tuple[str, ...]
    build: Callable[[str, str, str, int], Headers]

    def headers(self, token: str, other: str, char: str = "", at: int = 0) -> Headers:
        """The header fields, built from the cookie's ``token`` and ``other``'s token, with
        ``char`` (this case's first, when not given) put in at ``at`` (of the token it breaks)."""
        return self.build(token, other, char or (self.chars[0] if self.chars else ""), at)


@dataclass(frozen=True)
class Broken:
    """A broken request's header fields, its case, and what the character put in was."""

    case: BrokenCase
    headers: Headers
    char: str = ""

    @property
    def what(self) -> str:
        """The case, and the character it put in."""
        return f"{self.case.what}{f' ({self.char!r})' if self.char else ''}"


def _inside(token: str, char: str, at: int) -> str:
    """``token`` with ``char`` put in at ``at`` (taken modulo its length + 1)."""
    at %= len(token) + 1
    return token[:at] + char + token[at:]


#: The cookie a browser signed in to Clerk sends beside ``__session`` (the client's last
#: sign-in, 2026-01-01): without it, Clerk's SDKs take the browser for signed out and never
#: read ``__session`` — the parser a broken cookie is meant for.
CLIENT_UAT = "__client_uat=1767225600"


def _cookie(crumbs: str) -> Headers:
    """A ``Cookie`` field: ``__client_uat``, then ``crumbs``."""
    return (("Cookie", f"{CLIENT_UAT}; {crumbs}"),)


def _beside(authorization: str, token: str) -> Headers:
    """An ``Authorization`` value, and the valid ``__session`` cookie beside it."""
    return (("Authorization", authorization), *_cookie(f"__session={token}"))


def _case(
    name: str,
    kind: str,
    expect: str,
    what: str,
    build: Callable[[str, str, str, int], Headers],
    chars: tuple[str, ...] = (),
) -> BrokenCase:
    return BrokenCase(name, kind, what, expect, chars, build)


#: Every case, by kind: the cookie headers first, then the ``Authorization`` values.
CASES: tuple[BrokenCase, ...] = (
    _case(
        "no-equals",
        "cookie",
        REFUSED,
        "a `__session` cookie with no `=`",
        lambda t, o, c, a: _cookie("__session"),
    ),
    _case(
        "no-equals-beside",
        "cookie",
        COOKIE_OR_REFUSED,
        "a cookie with no `=` before `__session`",
        lambda t, o, c, a: _cookie(f"theme; __session={t}"),
    ),
    _case(
        "empty-value",
        "cookie",
        REFUSED,
        "`__session=` with no value",
        lambda t, o, c, a: _cookie("__session=; theme=dark"),
    ),
    _case(
        "empty-header",
        "cookie",
        REFUSED,
        "an empty Cookie header",
        lambda t, o, c, a: (("Cookie", ""),),
    ),
    _case(
        "quoted",
        "cookie",
        COOKIE_OR_REFUSED,
        "a quoted `__session` value",
        lambda t, o, c, a: _cookie(f'__session="{t}"'),
    ),
    _case(
        "percent-encoded",
        "cookie",
        COOKIE_OR_REFUSED,
        "`__session` percent-encoded (`.` as `%2E`)",
        lambda t, o, c, a: _cookie(f"__session={t.replace('.', '%2E')}"),
    ),
    _case(
        "bad-percent",
        "cookie",
        REFUSED,
        "`__session` of percent escapes that are no UTF-8",
        lambda t, o, c, a: _cookie("__session=%E9%ZZ%C3%28"),
    ),
    _case(
        "repeated",
        "cookie",
        COOKIE_OR_REFUSED,
        "`__session` twice, the same token",
        lambda t, o, c, a: _cookie(f"__session={t}; __session={t}"),
    ),
    _case(
        "repeated-empty-first",
        "cookie",
        COOKIE_OR_REFUSED,
        "an empty `__session` before the token",
        lambda t, o, c, a: _cookie(f"__session=; __session={t}"),
    ),
    _case(
        "repeated-empty-after",
        "cookie",
        COOKIE_OR_REFUSED,
        "an empty `__session` after the token",
        lambda t, o, c, a: _cookie(f"__session={t}; __session="),
    ),
    _case(
        "non-ascii-value",
        "cookie",
        COOKIE_OR_REFUSED,
        "a non-ASCII character in `__session`",
        lambda t, o, c, a: _cookie(f"__session={_inside(t, c, a)}"),
        NON_ASCII,
    ),
    _case(
        "non-ascii-beside",
        "cookie",
        COOKIE_OR_REFUSED,
        "a non-ASCII character in another cookie",
        lambda t, o, c, a: _cookie(f"theme=caf{c}; __session={t}"),
        NON_ASCII,
    ),
    _case(
        "non-ascii-token",
        "authorization",
        NOT_COOKIE,
        "a non-ASCII character in the Bearer token",
        lambda t, o, c, a: _beside(f"Bearer {_inside(o, c, a)}", t),
        NON_ASCII,
    ),
    _case(
        "non-ascii-separator",
        "authorization",
        NOT_COOKIE,
        "a non-ASCII character for the space after Bearer",
        lambda t, o, c, a: _beside(f"Bearer{c}{o}", t),
        NON_ASCII,
    ),
    _case(
        "control-token",
        "authorization",
        NOT_COOKIE,
        "a control byte in the Bearer token",
        lambda t, o, c, a: _beside(f"Bearer {_inside(o, c, a)}", t),
        CONTROLS,
    ),
    _case(
        "control-separator",
        "authorization",
        NOT_COOKIE,
        "a control byte for the space after Bearer",
        lambda t, o, c, a: _beside(f"Bearer{c}{o}", t),
        CONTROLS,
    ),
    _case(
        "empty",
        "authorization",
        COOKIE_OR_REFUSED,
        "an empty Authorization value",
        lambda t, o, c, a: _beside("", t),
    ),
    _case(
        "bare-scheme",
        "authorization",
        NOT_COOKIE,
        "`Authorization: Bearer` with no token",
        lambda t, o, c, a: _beside("Bearer", t),
    ),
    _case(
        "bare-scheme-space",
        "authorization",
        NOT_COOKIE,
        "`Authorization: Bearer ` with no token",
        lambda t, o, c, a: _beside("Bearer ", t),
    ),
    _case(
        "bare-scheme-lower",
        "authorization",
        NOT_COOKIE,
        "`Authorization: bearer` with no token",
        lambda t, o, c, a: _beside("bearer", t),
    ),
)
BY_NAME = {case.name: case for case in CASES}


def broken_requests(token: str, other: str) -> list[Broken]:
    """Every case once — a case putting a character in, once with each of its class's
    (``NON_ASCII``, ``CONTROLS``), in the middle of the token: the probe a check runs whatever
    a seed draws."""
    at = len(token) // 2
    return [
        Broken(case, case.headers(token, other, char, at), char)
        for case in CASES
        for char in case.chars or ("",)
    ]


#: Any non-ASCII character a header value can hold (no lone surrogate: it is no character).
_NON_ASCII = st.characters(min_codepoint=0x80, max_codepoint=0xD7FF) | st.characters(
    min_codepoint=0xE000
)
_CONTROLS = st.sampled_from(CONTROLS)


@functools.cache
def _chars(chars: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Any character of the class ``chars`` is drawn from: ``NON_ASCII``'s, ``CONTROLS``'."""
    if not chars:
        return st.just("")
    return st.sampled_from(chars) | (_NON_ASCII if chars == NON_ASCII else _CONTROLS)


@st.composite
def broken_request_draws(draw: st.DrawFn, token: str, other: str) -> Broken:
    """A case of any kind, with any character of its class, anywhere in the token it breaks.
    Shrinks to the first case."""
    case = CASES[draw(st.integers(0, len(CASES) - 1))]
    char, at = draw(_chars(case.chars)), draw(st.integers(0, len(token)))
    return Broken(case, case.headers(token, other, char, at), char)
