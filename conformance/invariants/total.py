"""TOTAL: every input ends in a principal or an ``AuthError`` — never another exception."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from reference import Request
from strategies import (
    RESERVED,
    draw_session_claims,
    identities,
    json_values,
    sign,
    signing_keys,
)

from ..target import Target, attempt
from ._common import entry_point_controls, for_all


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


#: Claims a real session may carry beyond ``RESERVED``: Clerk v2's features (``fea``).
MANGLED = (*sorted(RESERVED), "fea")
#: Clerk v2's structured claims, which parsers dig into: mangled half the time.
STRUCTURED = ("o", "fea")


_SHAPES = st.sampled_from(("v2", "v1", "template", "v2"))  # v2 half the time
_MANGLED_NAMES = st.lists(
    st.sampled_from(STRUCTURED) | st.sampled_from(MANGLED), min_size=1, max_size=3, unique=True
)


#: What replaces a claim: half the time a *truthy* value of some type — one that gets past a
#: parser's ``if claims.get("o"):`` and meets the type it did not expect — else any JSON value
#: (a falsy one reads as absent, and the shrinker prefers it).
_MANGLED_VALUES = (
    st.text(min_size=1, max_size=8)
    | st.integers(min_value=1)
    | st.just(True)
    | st.lists(json_values(), min_size=1, max_size=3)
    | json_values()
)


@st.composite
def mangled_sessions(draw: st.DrawFn) -> dict[str, Any]:
    """A real session's claims, in any shape, with one to three claims replaced by another
    value: parsing gets past the first checks (``"v": 2`` stays), then meets a type it did not
    expect (``"o": "org"``, ``"fea": 5``). Half are v2 sessions, half mangle ``o`` or ``fea``."""
    claims = dict(draw_session_claims(draw, draw(identities()), shape=draw(_SHAPES)))
    for name in draw(_MANGLED_NAMES):
        claims[name] = draw(_MANGLED_VALUES)
    return claims


def any_claims() -> st.SearchStrategy[Any]:
    """JSON-shaped claims: real sessions with mangled claims, objects whose keys are the claims
    parsers look at, or any JSON value at all."""
    keys = st.sampled_from(sorted(RESERVED)) | st.text(max_size=6)
    objects = st.dictionaries(
        keys, json_values() | st.dictionaries(keys, json_values(), max_size=4), max_size=8
    )
    return mangled_sessions() | objects | json_values()


def any_tokens() -> st.SearchStrategy[str]:
    """Any string, and strings shaped enough like a JWS to reach deep into a verifier."""
    segment = st.binary(max_size=40).map(_b64) | st.text(max_size=20)
    json_segment = any_claims().map(lambda v: _b64(json.dumps(v).encode()))
    dotted = st.lists(segment | json_segment, min_size=0, max_size=5).map(".".join)
    reserved = st.dictionaries(st.sampled_from(sorted(RESERVED)), json_values(), max_size=6)
    signed = (mangled_sessions() | reserved).map(
        lambda claims: sign(claims, signing_keys().trusted[0])  # fresh times: reach the claims
    )
    return st.text() | dotted | signed


def any_requests() -> st.SearchStrategy[Request]:
    """Requests with any method, target, header pairs (CR, LF, NUL, odd cases) and body bytes."""
    names = st.sampled_from(
        ["Authorization", "authorization", "Cookie", "Content-Type", "X-Any"]
    ) | st.text(max_size=8)
    values = (
        st.text(max_size=30)
        | st.builds(lambda s: f"Bearer {s}", st.text(max_size=20))
        | st.builds(lambda s: f"__session={s}", st.text(max_size=20))
        | st.sampled_from(["application/x-www-form-urlencoded", "Bearer", "__session", "=;=;"])
    )
    bodies = (
        st.binary(max_size=60)
        | st.text(max_size=60).map(lambda s: s.encode("utf-8"))
        | st.sampled_from(
            [
                b"clerk_session_token=%zz",
                b"clerk_session_token=%ff%fe",
                b"clerk_session_token=",
                b"&&=&",
            ]
        )
    )
    return st.builds(
        Request,
        st.sampled_from(["GET", "POST", "post", "PUT", ""]) | st.text(max_size=6),
        st.text(max_size=40),
        st.lists(st.tuples(names, values), max_size=5).map(tuple),
        bodies,
    )


def check_total(target: Target) -> None:
    """For any JSON-shaped claims, any string as token, any request, every method returns a
    principal or raises an AuthError subclass. A SUT without ``authenticate_token`` gets the
    tokens through its request entry point (``Target.token_entry``: as Bearer, or relayed), so
    signed, mangled sessions reach the claim parsing of an HTTP service too."""
    sut_calls = []
    if target.has("authenticate_claims"):
        sut_calls.append(("authenticate_claims", any_claims()))
    if any(map(target.has, ("authenticate_token", "authenticate_request", "callback_subject"))):
        sut_calls.append(("authenticate_token", any_tokens()))  # its own, or as a request
    for method in ("authenticate_request", "callback_subject"):
        if target.has(method):
            sut_calls.append((method, any_requests()))

    calls = st.one_of([st.tuples(st.just(name), inputs) for name, inputs in sut_calls])
    entry_point_controls("TOTAL", target)
    through = "" if target.has("authenticate_token") else " (through its request entry point)"

    @for_all(call=calls)
    def run(call: tuple[str, Any]) -> None:
        name, value = call
        if name == "authenticate_token":
            sut, what = target.fresh_token_entry(), f"{name}({value!r:.500}){through}"
        else:
            sut, what = target.fresh(), f"{name}({value!r:.500})"
        attempt("TOTAL", lambda: getattr(sut, name)(value), what)

    run()
