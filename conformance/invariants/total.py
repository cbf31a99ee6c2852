"""TOTAL: every input ends in a principal or an ``AuthError`` — never another exception."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from reference import AuthError, Request
from strategies import (
    AUTHORIZED_PARTIES,
    RESERVED,
    Broken,
    Scene,
    V2Case,
    broken_request_draws,
    broken_requests,
    broken_v2_claims,
    broken_v2_draws,
    draw_session_claims,
    frozen_clock,
    identities,
    json_values,
    sign,
    signing_keys,
)
from strategies import ISSUER as CLERK_ISSUER
from strategies.attacks import b64url, misspelt_tokens, unparsable_tokens
from strategies.claims import one_of_pool
from strategies.clock import EPOCH, timestamp
from strategies.ratings import ANYONE, ISSUER, USER
from strategies.requests import plain_request

from ..findings import SubCheck
from ..rows import CRASH, TOTAL
from ..target import Outcome, Target, attempt, mint, present_claims
from ._common import entry_point_controls, for_all, is_capturing
from .paths import entry_points

PROFILE_CRASH = TOTAL.robustness(
    "profile-claims",
    ISSUER,
    "non-string or nested profile claims (email, name, username, metadata) never crash",
    fix="treat profile claims as untyped data: check the type before .lower(), .get(), …",
)

REQUEST_LAYER = TOTAL.robustness(
    "request-layer",
    ANYONE,
    "broken Cookie and Authorization headers (no `=`, empty, quoted, percent-encoded, repeated, "
    "non-ASCII or control bytes, a bare scheme) never crash",
    fix="parse Cookie and Authorization defensively: a crumb without `=`, bytes that are not "
    "ASCII, a scheme with no token are refusals or absent cookies, never exceptions",
)
# ``fea`` without ``o.per`` is in sessions Clerk mints (user features, no org permissions):
# a user's own session reaches it; the wrong types and lengths need the issuer.
V2_CLAIMS = TOTAL.robustness(
    "v2-claims",
    USER,
    "broken v2 claims (`fea` without `o.per`, `per`/`fpm` of the wrong type or length, `v` a "
    "string) never crash",
    fix="check each v2 claim's type and length before .split() or indexing; read `v` as a "
    "number only when it is one",
)

#: Profile data a session or a template may carry — never identity, and never sure to be a
#: string (a template maps whatever it is given): its own sub-check, ``profile-claims``.
PROFILE_CLAIMS = ("email", "name", "username", "image_url", "metadata", "public_metadata")
PROFILE_CLAIMS_SET = frozenset(PROFILE_CLAIMS)
#: Claims a real session may carry beyond ``RESERVED``: Clerk v2's features (``fea``). Profile
#: claims are mangled on their own (``odd_profiles``), so a crash on them is named as such.
MANGLED = (*sorted(RESERVED - PROFILE_CLAIMS_SET), "fea")
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
    expect (``"o": "org"``, ``"fea": 5``). Half are v2 sessions, half mangle ``o`` or ``fea``.
    Profile claims are left out: ``odd_profiles`` draws them, so their crashes are named so."""
    claims = without_profile(draw_session_claims(draw, draw(identities()), shape=draw(_SHAPES)))
    for name in draw(_MANGLED_NAMES):
        claims[name] = draw(_MANGLED_VALUES)
    return claims


#: Profile claim values code calling ``.lower()``, ``.strip()`` or ``.get()`` on them gets wrong:
#: a list of the string first (each of those calls fails on it: the shrinker's target), null
#: (which ``claims.get("email", "")`` returns), numbers, booleans, an object, nested containers,
#: and, for metadata, a string or a list where an object is read.
ODD_PROFILE_VALUES: tuple[Any, ...] = (
    ["ada@example.com"], None, 0, 7, True, False, 1.5, [], {}, "", {"address": "ada@example.com"},
    {"first": "Ada", "last": None}, [{"role": "admin"}], {"roles": {"admin": True}},
    {"a": {"b": [1, {"c": None}]}}, "admin", ["admin", 1],
)  # fmt: skip
#: Which profile claims to set: a non-empty subset, each claim in half of them (one choice).
_PROFILE_SUBSETS = st.integers(1, 2 ** len(PROFILE_CLAIMS) - 1)
_ODD_PROFILE_VALUES = one_of_pool(ODD_PROFILE_VALUES, json_values(), one_in=5)


@st.composite
def odd_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid session's claims, in any shape, with some of its profile claims (``email``,
    ``name``, ``username``, ``image_url``, ``metadata``, ``public_metadata``; each in half the
    examples) set to a value that is not a string, or nested — mostly one of
    ``ODD_PROFILE_VALUES``, else any JSON value. Shrinks to an odd ``email`` alone."""
    claims = dict(draw_session_claims(draw, draw(identities()), shape=draw(_SHAPES), noise=False))
    subset = draw(_PROFILE_SUBSETS)
    for bit, name in enumerate(PROFILE_CLAIMS):
        if subset >> bit & 1:
            claims[name] = draw(_ODD_PROFILE_VALUES)
    return claims


def without_profile(claims: Mapping[str, Any]) -> dict[str, Any]:
    """``claims`` without ``PROFILE_CLAIMS``."""
    return {k: v for k, v in claims.items() if k not in PROFILE_CLAIMS}


def without_v2_extras(claims: Mapping[str, Any]) -> dict[str, Any]:
    """``claims`` without v2's permission claims (``fea``, ``o.per``, ``o.fpm``) and any ``v``
    but the number 2: what identity is read from, without what a permission parser reads."""
    plain = {k: v for k, v in claims.items() if k != "fea" and (k != "v" or v == 2)}
    nested = plain.get("o")
    if isinstance(nested, Mapping):
        plain["o"] = {k: v for k, v in nested.items() if k not in ("per", "fpm")}
    return plain


#: What a crash may be due to, tried in order: the part left out, and its sub-check.
_CAUSES = ((without_profile, PROFILE_CRASH), (without_v2_extras, V2_CLAIMS))


def crash_cause(target: Target, claims: Any) -> SubCheck:
    """The sub-check a crash on ``claims`` fails: ``profile-claims`` when the same claims without
    their profile claims do not crash a fresh instance, ``v2-claims`` when they do not without
    v2's permission claims (or a ``v`` that is not 2), else ``crash``."""
    if not isinstance(claims, dict):
        return CRASH
    for leave_out, sub in _CAUSES:
        plain = leave_out(claims)
        if plain != claims and not _crashes(target, plain):
            return sub
    return CRASH


def _crashes(target: Target, claims: Mapping[str, Any]) -> bool:
    """Whether ``claims`` make a fresh instance raise anything but an ``AuthError``."""
    try:
        present_claims(target, target.fresh(), claims)
    except AuthError:
        return False
    except Exception:
        return True
    return False


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
    segment = st.binary(max_size=40).map(b64url) | st.text(max_size=20)
    json_segment = any_claims().map(lambda v: b64url(json.dumps(v).encode()))
    dotted = st.lists(segment | json_segment, min_size=0, max_size=5).map(".".join)
    reserved = st.dictionaries(st.sampled_from(MANGLED), json_values(), max_size=6)
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


@TOTAL.check
def check_total(target: Target) -> None:
    """For any JSON-shaped claims, any string as token, any request, every method returns a
    principal or raises an AuthError subclass. A SUT without ``authenticate_token`` gets the
    tokens through its request entry point (``Target.token_entry``: as Bearer, or relayed), so
    signed, mangled sessions reach the claim parsing of an HTTP service too. Then sessions with
    odd profile claims (``odd_profiles``; signed, for a SUT without ``authenticate_claims``): a
    crash the same claims without profile claims do not cause is ``profile-claims``. Then
    cookie and ``Authorization`` headers as clients break them, through each request entry
    point (``request-layer``), and v2 claims as templates break them, through every entry
    point (``v2-claims``): every case once, then drawn ones."""
    sut_calls = []
    if target.has("authenticate_claims"):
        sut_calls.append(("authenticate_claims", any_claims()))
    if any(map(target.has, ("authenticate_token", "authenticate_request", "callback_subject"))):
        sut_calls.append(("authenticate_token", any_tokens()))  # its own, or as a request
    for method in ("authenticate_request", "callback_subject"):
        if target.has(method):
            sut_calls.append((method, any_requests()))

    calls = st.one_of([st.tuples(st.just(name), inputs) for name, inputs in sut_calls])
    entry_point_controls(TOTAL.id, target)
    through = "" if target.has("authenticate_token") else " (through its request entry point)"

    @for_all(call=calls)
    def run(call: tuple[str, Any]) -> None:
        name, value = call
        if name == "authenticate_token":
            sut, what = target.fresh_token_entry(), f"{name}({value!r:.500}){through}"
            attempt(TOTAL.id, lambda: sut.authenticate_token(value), what)
            return
        sut, what = target.fresh(), f"{name}({value!r:.500})"
        cause = (lambda: crash_cause(target, value)) if name == "authenticate_claims" else None
        attempt(TOTAL.id, lambda: getattr(sut, name)(value), what, cause=cause)

    # Sessions with odd profile claims, through the strongest entry point: a run of their own,
    # which leaves the examples of the run above as they were.
    @for_all(claims=odd_profiles())
    def run_profiles(claims: dict[str, Any]) -> None:
        sut = target.fresh()
        attempt(
            TOTAL.id,
            lambda: present_claims(target, sut, claims),
            f"login {claims!r:.500}",
            cause=lambda: crash_cause(target, claims),
        )

    _probe_tokens(target)
    run()
    run_profiles()
    _broken_requests(target)
    _broken_v2(target)


def _probe_tokens(target: Target) -> None:
    """Every unparsable token and every misspelling of a plain session's (TOKEN-MALFORMED's
    probe, ``strategies.attacks``) once, through the token entry point, each on a fresh
    instance: a decoder that crashes on one is found whatever a seed draws, as a crash of its
    own — not only once a broken header happens to carry such a token to it (``request-layer``)."""
    tokens = ("authenticate_token", "authenticate_request", "callback_subject")
    if is_capturing() or not any(map(target.has, tokens)):
        return
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        claims = {"sub": "user_2TotalProbe", "org_id": target.settings.org_id, "sid": "sess_3"}
        scene = Scene(target.keys, claims, timestamp(), 5, AUTHORIZED_PARTIES, CLERK_ISSUER)
        for _, what, bad in [*unparsable_tokens(scene), *misspelt_tokens(scene.valid())]:
            table = (("case", what), ("token", bad[:300]))
            call = functools.partial(_token_once, target, bad)
            attempt(TOTAL.id, call, f"a token with {what}", table=table)


def _token_once(target: Target, token: str) -> Any:
    """``token`` through the token entry point of an instance dropped right after (a served
    one goes back to its pool: a ``--url`` service is one instance)."""
    return target.fresh_token_entry().authenticate_token(token)


#: The request entry points broken headers are sent to.
REQUEST_METHODS = ("authenticate_request", "callback_subject")
#: Two plain sessions: the one a broken request's cookie carries, and another user's, which a
#: broken ``Authorization`` value mangles.
COOKIE_USER = {"sub": "user_2BrokenCookieUser", "sid": "sess_broken_1"}
HEADER_USER = {"sub": "user_2BrokenHeaderUser", "sid": "sess_broken_2"}


def session_pair(target: Target) -> tuple[str, str]:
    """The tokens of ``COOKIE_USER`` and ``HEADER_USER``, valid sessions in the trusted org."""
    org = target.settings.org_id
    cookie, header = ({**user, "org_id": org} for user in (COOKIE_USER, HEADER_USER))
    return mint(target, cookie), mint(target, header)


def broken_request(method: str, broken: Broken) -> Request:
    """``broken``'s header fields in the plain request of ``method`` (an API ``GET``, or a
    callback ``POST`` without a relayed token)."""
    plain = plain_request(method, "-")
    return Request(plain.method, plain.target, broken.headers)


def send_broken(row: str, target: Target, method: str, broken: Broken) -> Outcome:
    """``broken`` through ``method`` of a fresh instance: a crash is ``request-layer``'s."""
    request = broken_request(method, broken)
    table = (("case", broken.case.name), ("request", repr(request)[:600]))
    call = lambda: getattr(target.fresh(), method)(request)  # noqa: E731
    return attempt(row, call, f"{method} with {broken.what}", crash=REQUEST_LAYER, table=table)


def _broken_requests(target: Target) -> None:
    """Every broken cookie and ``Authorization`` header once through each request entry point
    (``strategies.broken_requests``), then drawn ones: a principal or an ``AuthError``."""
    methods = [m for m in REQUEST_METHODS if target.has(m)]
    if not methods:
        return
    with frozen_clock():  # the tokens stay valid: a broken header, not an expiry, is met
        token, other = session_pair(target)
        if not is_capturing():
            for method in methods:
                for broken in broken_requests(token, other):
                    send_broken(TOTAL.id, target, method, broken)

        @for_all(method=st.sampled_from(methods), broken=broken_request_draws(token, other))
        def run(method: str, broken: Broken) -> None:
            send_broken(TOTAL.id, target, method, broken)

        run()


def _through(target: Target, method: str, place: str, token: str) -> Any:
    """``token`` through entry point ``method`` (in ``place``) of a fresh instance."""
    sut = target.fresh()
    if method == "authenticate_token":
        return sut.authenticate_token(token)
    return getattr(sut, method)(plain_request(method, token, place))


def present_everywhere(row: str, target: Target, case: V2Case, claims: dict[str, Any]) -> None:
    """``claims`` as claims, then minted through every entry point the SUT has (as Bearer, as
    the ``__session`` cookie, relayed): a crash no part but v2's permission claims causes is
    ``v2-claims``'s (``crash_cause``)."""
    cause = functools.partial(crash_cause, target, claims)
    what = f"{case.what}: {claims!r:.400}"
    table = (("case", case.name), ("claims", repr(claims)[:600]))
    if target.has("authenticate_claims"):
        call = functools.partial(present_claims, target, target.fresh(), claims)
        attempt(row, call, f"authenticate_claims of {what}", cause=cause, table=table)
    token = mint(target, claims)
    for name, method, place in entry_points(target):
        call = functools.partial(_through, target, method, place, token)
        attempt(row, call, f"{name} of {what}", cause=cause, table=table)


#: A plain v2 session (the permission claims its cases add), for the probe.
V2_SESSION = {"sub": "user_2BrokenV2User", "v": 2, "sid": "sess_broken_v2", "sts": "active",
              "fva": [0, -1]}  # fmt: skip


def _broken_v2(target: Target) -> None:
    """Every broken v2 case once on a plain v2 session (``strategies.broken_v2_claims``),
    then drawn ones, each through every entry point: a principal or an ``AuthError``."""
    org = target.settings.org_id
    if not is_capturing():
        session = {**V2_SESSION, "o": {"id": org, "rol": "admin", "slg": "acme"}}
        for case, claims in broken_v2_claims(session):
            present_everywhere(TOTAL.id, target, case, claims)

    @for_all(broken=broken_v2_draws(org))
    def run(broken: tuple[V2Case, dict[str, Any]]) -> None:
        present_everywhere(TOTAL.id, target, *broken)

    run()
