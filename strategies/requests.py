"""HTTP-shaped requests that carry tokens in every place at once, among decoys.

A request is built from ``tokens``: a mapping from *place* to token. The places:

* ``"body"`` — the ``clerk_session_token`` field of the form body (the relayed token);
* ``"query"`` — a ``clerk_session_token`` query parameter (never to be used);
* ``"bearer"`` — ``Authorization: Bearer <token>`` (scheme in any case);
* ``"cookie"`` — the ``__session`` cookie;
* ``"decoy"`` — look-alike places no implementation should read (``__session_x`` and
  ``session`` cookies, an ``X-Clerk-Session-Token`` header, a ``clerk_session_token_x`` field);
* ``"body2"``, ``"bearer2"``, ``"cookie2"`` — a second occurrence of that credential (a second
  field, ``Authorization`` header or ``__session`` cookie), always *after* the first: an
  ambiguous request, which an implementation may reject or answer with the first occurrence.

Give each place a token for a *different* identity, and the principal an implementation
returns tells you which place it read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from hypothesis import strategies as st

from reference import Request

from ._validation import check_choice
from .claims import CLERK_ROLES, draw_session_claims
from .draws import shuffled
from .identities import TRUSTED_ORG, ClerkIdentity
from .ids import clerk_ids
from .keys import SigningKeys
from .tokens import sign

T = TypeVar("T")
PLACES = ("body", "query", "bearer", "cookie", "decoy", "body2", "bearer2", "cookie2")
#: The places a second occurrence can be put in, and where its first occurrence is.
DUPLICATES = {"body2": "body", "bearer2": "bearer", "cookie2": "cookie"}
CALLBACK_PATH = "/auth/clerk/callback"
FORM_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "Application/X-WWW-Form-URLEncoded",
)
_FORM_TYPES = st.sampled_from(FORM_TYPES)


def _check_places(places: Collection[str]) -> None:
    for place in places:
        check_choice("place", place, PLACES)


@functools.cache
def _name_case(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.lower(), name.upper()])


def _header(draw: st.DrawFn, name: str, value: str) -> tuple[str, str]:
    """The field, its name in any case (a function of ``draw``, not a strategy: strategies
    built per header cost more than the draws they make)."""
    return draw(_name_case(name)), value


def _form(fields: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields)


_NOISE_HEADERS = st.lists(
    st.sampled_from(
        [
            ("Host", "app.example.com"),
            ("User-Agent", "Mozilla/5.0"),
            ("Accept", "text/html"),
            ("Accept", "application/json"),
            ("X-Forwarded-For", "203.0.113.7"),
            ("Origin", "https://app.example.com"),
        ]
    ),
    max_size=4,
)
_SCHEMES = st.sampled_from(["Bearer", "bearer", "BEARER"])
_ROLES = st.none() | st.sampled_from(CLERK_ROLES)


def _noise_headers(draw: st.DrawFn) -> list[tuple[str, str]]:
    return [_header(draw, name, value) for name, value in draw(_NOISE_HEADERS)]


@st.composite
def _requests(
    draw: st.DrawFn, tokens: Mapping[str, str], *, method: str, path: str, form: bool
) -> Request:
    return _request(draw, tokens, method, path, form)


_METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE"])
_API_PATHS = st.sampled_from(["/api/v1/users/me", "/api/config", "/mcp"])


@st.composite
def _api_requests(draw: st.DrawFn, tokens: Mapping[str, str]) -> Request:
    method, path, form = draw(_METHODS), draw(_API_PATHS), draw(st.booleans())
    return _request(draw, tokens, method, path, form)


def _request(
    draw: st.DrawFn, tokens: Mapping[str, str], method: str, path: str, form: bool
) -> Request:
    decoy = tokens.get("decoy")
    headers = _noise_headers(draw)
    bearers = [_bearer(draw, tokens[p]) for p in ("bearer", "bearer2") if p in tokens]
    headers += bearers
    cookie_pairs = [("__client_uat", "1767225600")]
    sessions = [("__session", tokens[p]) for p in ("cookie", "cookie2") if p in tokens]
    cookie_pairs += sessions
    if decoy is not None:
        cookie_pairs += [("__session_x7Yq", decoy), ("session", decoy)]
        headers.append(_header(draw, "X-Clerk-Session-Token", decoy))
    cookie_pairs = _in_order(shuffled(draw, cookie_pairs), sessions)
    # One Cookie field, as user agents send it (RFC 6265 §5.4) — simplest, so shrinking goes
    # there; now and then split in two, as a proxy that does not join them may pass them on.
    split = draw(st.integers(0, len(cookie_pairs))) or len(cookie_pairs)
    cookie_headers = [
        _header(draw, "Cookie", "; ".join(f"{k}={v}" for k, v in chunk))
        for chunk in (cookie_pairs[:split], cookie_pairs[split:])
        if chunk
    ]
    headers += cookie_headers

    query = [("redirect_url", "https://app.example.com/")]
    if "query" in tokens:
        query.append(("clerk_session_token", tokens["query"]))
    target = f"{path}?{_form(shuffled(draw, query))}"

    fields = [("redirect_url", "/dashboard")]
    relayed = [("clerk_session_token", tokens[p]) for p in ("body", "body2") if p in tokens]
    fields += relayed
    if decoy is not None:
        fields.append(("clerk_session_token_x", decoy))
    fields = _in_order(shuffled(draw, fields), relayed)
    body = b""
    if method != "GET":
        if form:
            headers.append(_header(draw, "Content-Type", draw(_FORM_TYPES)))
            body = _form(fields).encode("ascii")
        else:
            headers.append(_header(draw, "Content-Type", "application/json"))
            body = ("{" + ",".join(f'"{k}":"{v}"' for k, v in fields) + "}").encode()
    headers = _in_order(_in_order(shuffled(draw, headers), bearers), cookie_headers)
    return Request(method, target, tuple(headers), body)


def _bearer(draw: st.DrawFn, token: str) -> tuple[str, str]:
    return _header(draw, "Authorization", f"{draw(_SCHEMES)} {token}")


def _in_order(items: list[T], ordered: list[T]) -> list[T]:
    """``items`` shuffled, except that the members of ``ordered`` keep their relative order."""
    slots = [i for i, item in enumerate(items) if item in ordered]
    out = list(items)
    for slot, item in zip(slots, ordered, strict=True):
        out[slot] = item
    return out


def callback_requests(tokens: Mapping[str, str]) -> st.SearchStrategy[Request]:
    """Browser-login callbacks — ``POST`` with a form body — carrying ``tokens`` (place → token;
    see the module docstring) among decoy headers, cookies, fields and query parameters, with
    header names in any case and any order.

    >>> callback_requests({"body": relayed, "bearer": ambient}).example()  # doctest: +SKIP
    Request(method='POST', target='/auth/clerk/callback?redirect_url=...', headers=(...), ...)
    """
    _check_places(tokens)
    return _requests(tokens, method="POST", path=CALLBACK_PATH, form=True)


def api_requests(tokens: Mapping[str, str]) -> st.SearchStrategy[Request]:
    """API calls of any method, carrying ``tokens`` like ``callback_requests``; when there is a
    body it is a form or JSON, and it (like the query) must never be read for a token."""
    _check_places(tokens)
    return _api_requests(tokens)


@dataclass(frozen=True)
class Placed:
    """A token put in one place of a request, and the identity it names."""

    identity: ClerkIdentity
    token: str


def token_placements(
    keys: SigningKeys,
    *,
    required: Collection[str] = (),
    optional: Collection[str] = (),
    org_id: str = TRUSTED_ORG,
    issuer: str | None = None,
    party: str | None = None,
) -> st.SearchStrategy[dict[str, Placed]]:
    """A valid, signed session token for a *different* identity in every ``required`` place and
    in any subset of the ``optional`` ones — so the principal returned names the place read.
    Each is minted by ``issuer`` for ``party`` (None: Clerk's defaults, as ``sign``'s).

    >>> placed = token_placements(keys, required=["body"], optional=["bearer"]).example()
    ... # doctest: +SKIP
    >>> callback_requests(tokens_of(placed))  # doctest: +SKIP
    """
    _check_places([*required, *optional])
    return _token_placements(keys, tuple(required), tuple(optional), org_id, issuer, party)


@st.composite
def _token_placements(
    draw: st.DrawFn,
    keys: SigningKeys,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    org_id: str,
    issuer: str | None,
    party: str | None,
) -> dict[str, Placed]:
    places = [*required, *(p for p in optional if draw(st.booleans()))]
    places = [p for p in places if DUPLICATES.get(p, p) in places]  # a second needs a first
    users = draw(
        st.lists(clerk_ids("user"), min_size=len(places), max_size=len(places), unique=True)
    )
    placed = {}
    for place, user in zip(places, users, strict=True):
        identity = ClerkIdentity(org_id, user)
        role = draw(_ROLES)
        # ``user_id`` beside ``sub``: even an implementation reading only one of them tells
        # the places apart.
        claims = {**draw_session_claims(draw, identity, role=role, noise=False), "user_id": user}
        if party is not None:  # minted for that party, not one the draw named
            claims["azp"] = party
        # Signed as Clerk signs a session: with the instance's current key (a rotation is the
        # key checks' concern, not the request checks').
        placed[place] = Placed(identity, sign(claims, keys.trusted[0], issuer=issuer, party=party))
    return placed


#: How ``plain_request`` carries a token, by ``place``: the header fields it sends.
PLAIN_PLACES: dict[str, Callable[[str], tuple[tuple[str, str], ...]]] = {
    "bearer": lambda token: (("Authorization", f"Bearer {token}"),),
    "bearer-lower": lambda token: (("Authorization", f"bearer {token}"),),
    "cookie": lambda token: (("Cookie", f"__client_uat=1767225600; __session={token}"),),
    "cookie-split": lambda token: (
        ("Cookie", "__client_uat=1767225600"),
        ("Cookie", f"__session={token}"),
    ),
    # the token under another scheme, or none: never a Bearer credential
    "basic": lambda token: (("Authorization", f"Basic {token}"),),
    "token-scheme": lambda token: (("Authorization", f"Token {token}"),),
    "no-scheme": lambda token: (("Authorization", token),),
}
#: The ``PLAIN_PLACES`` that carry the token under a scheme other than Bearer, or under none.
OTHER_SCHEMES = ("basic", "token-scheme", "no-scheme")


def plain_request(method: str, token: str, place: str = "bearer") -> Request:
    """The simplest request carrying ``token``: relayed in a callback's form (``"body"``), or
    in one of ``PLAIN_PLACES`` — a Bearer header (``"bearer-lower"``: the scheme in lower
    case; ``OTHER_SCHEMES``: ``Basic``, ``Token`` or no scheme), or the ``__session`` cookie
    beside ``__client_uat`` as a browser sends it, in one ``Cookie`` field or
    (``"cookie-split"``) two."""
    if place == "body":
        headers = (("Content-Type", "application/x-www-form-urlencoded"),)
        return Request("POST", CALLBACK_PATH, headers, f"clerk_session_token={token}".encode())
    verb = "POST" if method == "callback_subject" else "GET"
    path = CALLBACK_PATH if method == "callback_subject" else "/api/v1/users/me"
    return Request(verb, path, PLAIN_PLACES[place](token))


def tokens_of(placed: Mapping[str, Placed]) -> dict[str, str]:
    """Place → token, as ``callback_requests`` and ``api_requests`` take them."""
    return {place: p.token for place, p in placed.items()}


#: Headers a client may send to claim an identity, by what they name: an org, a user, or a
#: status; and a second ``Host``.
SPOOF_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Organization-ID", "org"),
    ("X-Org-Id", "org"),
    ("X-Clerk-Org-Id", "org"),
    ("X-Original-Org", "org"),
    ("X-User-Id", "user"),
    ("X-Forwarded-User", "user"),
    ("X-Clerk-User-Id", "user"),
    ("X-Original-User", "user"),
    ("X-Clerk-Auth-Status", "signed-in"),
    ("Host", "host"),
)
#: Cookies beside the credential: Clerk's own (``__client_uat``, the dev browser's
#: ``__clerk_db_jwt``) and a suffixed ``__session_<suffix>``, carrying another session.
SPOOF_COOKIES = ("__client_uat", "__clerk_db_jwt", "__session_3ZwT9bQx")
#: Query parameters and form fields naming an org or a user.
SPOOF_PARAMS: tuple[tuple[str, str], ...] = (
    ("org_id", "org"),
    ("organization_id", "org"),
    ("orgId", "org"),
    ("user_id", "user"),
    ("userId", "user"),
    ("sub", "user"),
)
SPOOF_KINDS = ("header", "cookie", "param")


@dataclass(frozen=True)
class Spoof:
    """One thing beside the credential that names someone else: a header, a cookie, or a
    query parameter (a form field too, when the body is a form)."""

    kind: str
    name: str
    value: str


def all_spoofs(org: str, user: str, token: str) -> list[Spoof]:
    """Every spoof, each naming ``org`` or ``user``, or carrying ``token`` (another session)."""
    named = {"org": org, "user": user, "signed-in": "signed-in", "host": "evil.example"}
    return [
        *(Spoof("header", name, named[what]) for name, what in SPOOF_HEADERS),
        *(
            Spoof("cookie", name, "0" if name == "__client_uat" else token)
            for name in SPOOF_COOKIES
        ),
        *(Spoof("param", name, named[what]) for name, what in SPOOF_PARAMS),
    ]


@st.composite
def spoofs(draw: st.DrawFn, org: str, user: str, token: str) -> list[Spoof]:
    """A subset of ``all_spoofs`` — each in half the examples, so whichever one a flaw reads is
    often there; it shrinks to the one that matters (and to at least one)."""
    every = all_spoofs(org, user, token)
    kept = draw(st.lists(st.booleans(), min_size=len(every), max_size=len(every)))
    chosen = [spoof for spoof, keep in zip(every, kept, strict=True) if keep]
    return chosen or every[:1]


def with_spoofs(request: Request, extras: Sequence[Spoof]) -> Request:
    """``request`` with ``extras`` added after what it carries: headers appended, cookies
    appended to its last ``Cookie`` field (or a new one), parameters appended to the query and,
    when the body is a form, to the body."""
    headers, target, body = list(request.headers), request.target, request.body
    is_form = any(
        k.lower() == "content-type" and "form-urlencoded" in v for k, v in request.headers
    )
    for extra in extras:
        if extra.kind == "header":
            headers.append((extra.name, extra.value))
        elif extra.kind == "cookie":
            crumb = f"{extra.name}={extra.value}"
            last = max((i for i, (k, _) in enumerate(headers) if k.lower() == "cookie"), default=-1)
            if last < 0:
                headers.append(("Cookie", crumb))
            else:
                headers[last] = (headers[last][0], f"{headers[last][1]}; {crumb}")
        else:
            pair = f"{quote(extra.name)}={quote(extra.value)}"
            target += ("&" if "?" in target else "?") + pair
            if is_form:
                body += b"&" + pair.encode()
    return Request(request.method, target, tuple(headers), body)
