"""CB-* and REQ-AMBIENT-ONLY: which of the tokens a request carries is the one used.

Every place gets a token for a different identity, so the principal returned names the place
the implementation read. The clock is frozen while a check runs: the derandomized profile then
draws the same tokens for every SUT an audit runs, and each is signed once
(``strategies.tokens.remembered``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from reference import AuthError, Principal, Request, Unauthorized
from strategies import (
    Broken,
    Placed,
    api_requests,
    broken_requests,
    callback_requests,
    draw_session_claims,
    invalid_session_tokens,
    machine_tokens,
    token_placements,
    tokens_of,
)
from strategies.broken_requests import NOT_COOKIE, REFUSED
from strategies.clock import frozen_clock
from strategies.ratings import ANYONE, CRITICAL, HIGH, LOW, MEDIUM, USER
from strategies.requests import OTHER_SCHEMES, plain_request

from ..findings import Crashed, SubCheck
from ..rows import CALLBACK, Row
from ..target import Outcome, Target, attempt, control, deployment, describe, mint, violated
from ._common import Drawn, Fingerprint, expect_rejected, fingerprint, for_all, is_capturing
from .total import send_broken, session_pair


@dataclass(frozen=True)
class Rules:
    """A request row's sub-checks by the rule they judge (``None``: the row does not judge it;
    a failure of it then falls to ``first``, the row's first sub-check)."""

    first: SubCheck
    query: SubCheck | None = None
    body: SubCheck | None = None
    other_place_used: SubCheck | None = None
    relayed_refused: SubCheck | None = None
    lower_precedence: SubCheck | None = None
    later_occurrence: SubCheck | None = None
    decoy_cookie: SubCheck | None = None
    malformed_authorization: SubCheck | None = None
    without_credential: SubCheck | None = None
    bearer_refused: SubCheck | None = None
    bearer_scheme_case: SubCheck | None = None
    cookie_refused: SubCheck | None = None
    cookie_split: SubCheck | None = None
    error_class: SubCheck | None = None
    scheme: SubCheck | None = None


def _ambient(row: Row) -> dict[str, SubCheck]:
    """Declare on ``row`` the sub-checks of which ambient credential is read (CB-FALLBACK-ORDER
    and REQ-AMBIENT-ONLY alike), by rule (``Rules``' field names)."""
    # planting a cookie or a header on a victim's requests: the victim acts as the planter
    return {
        "lower_precedence": row.security(
            "lower-precedence",
            USER,
            "the cookie never beats a Bearer token",
            LOGIN_CSRF,
            fix="use the Bearer token when one is present; read __session only without one",
        ),
        "later_occurrence": row.security(
            "later-occurrence",
            USER,
            "a second header or cookie never beats the first",
            LOGIN_CSRF,
            fix="take the first Authorization header and first __session cookie, or refuse repeats",
        ),
        "decoy_cookie": row.security(
            "decoy-cookie",
            USER,
            "a look-alike cookie is never read as __session",
            LOGIN_CSRF,
            fix="read the cookie named exactly __session (no prefix, suffix or case match)",
        ),
        "malformed_authorization": row.security(
            "malformed-authorization",
            USER,
            "a malformed Authorization value (non-ASCII or control bytes, a bare scheme) never "
            "lets the __session cookie in",
            LOGIN_CSRF,
            fix="take a present `Authorization: Bearer` value as the credential and refuse it "
            "when it is malformed; read __session only when there is none",
        ),
        "without_credential": row.security(
            "without-credential",
            ANYONE,
            "no usable credential → refused",
            fix="refuse a request without a Bearer token or __session cookie; no anonymous default",
        ),
        "bearer_refused": row.completeness(
            "bearer-refused",
            USER,
            "a valid Bearer token signs in",
            fix="read `Authorization: Bearer <token>` and verify that token",
        ),
        "bearer_scheme_case": row.completeness(
            "bearer-scheme-case",
            USER,
            "the Bearer scheme in any case signs in",
            fix="match the auth scheme case-insensitively (RFC 9110: `bearer`, `BEARER`)",
        ),
        "cookie_refused": row.completeness(
            "cookie-refused",
            USER,
            "a valid __session cookie signs in",
            fix="without a Bearer token, read and verify the __session cookie",
        ),
        "cookie_split": row.completeness(
            "cookie-split",
            USER,
            "__session in a second Cookie field signs in",
            LOW,
            fix="parse every Cookie header field, not only the first",
        ),
        "error_class": row.robustness(
            "error-class",
            ANYONE,
            "no usable credential → Unauthorized",
            LOW,
            fix=(
                "raise Unauthorized (not InvalidClaims or another error) when no credential is "
                "usable"
            ),
        ),
    }


#: The severity of a credential read from a lower-precedence or look-alike place: the one who
#: planted it there (a cookie from a sibling subdomain, a second header) makes the victim act as
#: the planter — a login-CSRF, not the victim's identity.
LOGIN_CSRF = MEDIUM

CB_RELAYED_FIRST = Row(
    "CB-RELAYED-FIRST",
    CRITICAL,
    "a relayed form-body token beats ambient credentials",
    CALLBACK,
)
OTHER_PLACE_USED = CB_RELAYED_FIRST.security(
    "other-place-used",
    USER,
    "a relayed token beats every other place",
    fix="use the form field clerk_session_token when present; headers and cookies after",
)
RELAYED_LATER_OCCURRENCE = CB_RELAYED_FIRST.security(
    "later-occurrence",
    USER,
    "a second relay field never beats the first",
    fix="take the first clerk_session_token form field, or refuse repeats",
)
RELAYED_REFUSED = CB_RELAYED_FIRST.completeness(
    "relayed-refused",
    USER,
    "a valid relayed token signs in",
    fix="read clerk_session_token from a POST x-www-form-urlencoded body and verify it",
)

CB_NO_QUERY = Row(
    "CB-NO-QUERY",
    CRITICAL,
    "a query-string token is never used",
    ("callback_subject", "authenticate_request"),
    any_of=True,
)
CB_QUERY = CB_NO_QUERY.security(
    "query",
    USER,
    "a query-string token is never used",
    fix="never read a token from the URL query: it leaks into logs and Referer",
)

CB_FALLBACK_ORDER = Row(
    "CB-FALLBACK-ORDER", HIGH, "without a relayed token: Bearer, then __session", CALLBACK
)
FALLBACK_AMBIENT = _ambient(CB_FALLBACK_ORDER)

CB_NO_FALLBACK_ON_FAILURE = Row(
    "CB-NO-FALLBACK-ON-FAILURE", HIGH, "an invalid chosen token fails the login", CALLBACK
)
FALLBACK = CB_NO_FALLBACK_ON_FAILURE.security(
    "fallback",
    ANYONE,
    "an invalid chosen token fails the login",
    fix="choose the token by place first, then verify it; on failure refuse, never retry",
)

CB_SESSION_TOKENS_ONLY = Row(
    "CB-SESSION-TOKENS-ONLY", HIGH, "machine tokens never complete a browser login", CALLBACK
)
MACHINE_TOKEN = CB_SESSION_TOKENS_ONLY.security(
    "machine-token",
    ANYONE,
    "machine tokens never complete a browser login",
    fix="accept only a session JWT in the callback; refuse mt_, oat_ and ak_ tokens",
)

REQ_AMBIENT_ONLY = Row(
    "REQ-AMBIENT-ONLY",
    HIGH,
    "API auth: Bearer then __session; never body or query",
    ("authenticate_request",),
)
BODY = REQ_AMBIENT_ONLY.security(
    "body",
    USER,
    "API auth never reads the body",
    fix="read API credentials only from Authorization and __session, never the body",
)
API_QUERY = REQ_AMBIENT_ONLY.security(
    "query",
    USER,
    "API auth never reads the query",
    fix="read API credentials only from Authorization and __session, never the query",
)
API_AMBIENT = _ambient(REQ_AMBIENT_ONLY)
# one's own token under another name; the harm is in what treats schemes differently
SCHEME = REQ_AMBIENT_ONLY.security(
    "scheme",
    USER,
    "a token under any scheme but Bearer (Basic, Token, none) is refused",
    LOW,
    fix="read a token only after the `Bearer` scheme (any case), never another or none",
)

#: Each request row's rules, by row ID.
RULES = {
    rules.first.row: rules
    for rules in (
        Rules(
            OTHER_PLACE_USED,
            other_place_used=OTHER_PLACE_USED,
            later_occurrence=RELAYED_LATER_OCCURRENCE,
            relayed_refused=RELAYED_REFUSED,
        ),
        Rules(CB_QUERY, query=CB_QUERY),
        Rules(FALLBACK_AMBIENT["lower_precedence"], **FALLBACK_AMBIENT),
        Rules(FALLBACK),
        Rules(MACHINE_TOKEN),
        Rules(BODY, body=BODY, query=API_QUERY, scheme=SCHEME, **API_AMBIENT),
    )
}


def _rule(row: str, rule: Callable[[Rules], SubCheck | None]) -> SubCheck:
    """The sub-check of ``row`` judging ``rule`` — the row's first, where it judges no such rule."""
    rules = RULES[row]
    return rule(rules) or rules.first


#: The rule a token used from the wrong place breaks, by that place: for API auth and the
#: callback's fallback, and for the callback's relayed-first rule.
_USED_FROM: dict[str, Callable[[Rules], SubCheck | None]] = {
    "query": lambda r: r.query,
    "body": lambda r: r.body,
    "body2": lambda r: r.body,
    "decoy": lambda r: r.decoy_cookie,
    "bearer2": lambda r: r.later_occurrence,
    "cookie2": lambda r: r.later_occurrence,
    "bearer": lambda r: r.lower_precedence,
    "cookie": lambda r: r.lower_precedence,
}
_USED_INSTEAD_OF_RELAYED: dict[str, Callable[[Rules], SubCheck | None]] = {
    "body2": lambda r: r.later_occurrence
}
_NONE: Callable[[Rules], SubCheck | None] = lambda r: None  # noqa: E731 (the row's first)


def _send(row: str, target: Target, method: str, request: Request) -> Outcome:
    """``request`` through ``method`` of a fresh instance."""
    return attempt(row, lambda: getattr(target.fresh(), method)(request), method)


def request_control(
    row: str, target: Target, method: str, token: str, place: str = "bearer"
) -> Outcome:
    """A control: ``token`` (valid) in the simplest request through ``method``."""
    request = plain_request(method, token, place)
    outcome = _send(row, target, method, request)
    control(outcome, f"{method} of {request!r:.300}", token=token)
    return outcome


def _refused_sub(row: str, place: str, request: Request) -> SubCheck:
    """The completeness sub-check a refusal of the credential in ``place`` fails."""
    if place == "body":
        return _rule(row, lambda r: r.relayed_refused)
    if place == "bearer":
        schemes = [v.split(" ", 1)[0] for k, v in request.headers if k.lower() == "authorization"]
        if schemes[:1] != ["Bearer"]:
            return _rule(row, lambda r: r.bearer_scheme_case)
        return _rule(row, lambda r: r.bearer_refused)
    cookies = [k for k, _ in request.headers if k.lower() == "cookie"]
    if len(cookies) > 1:
        return _rule(row, lambda r: r.cookie_split)
    return _rule(row, lambda r: r.cookie_refused)


def _show(request: Request, placed: dict[str, Placed]) -> str:
    who = {place: p.identity.user_id for place, p in placed.items()}
    return f"tokens by place {who}\n  request {request!r}"


def baselines(
    invariant_id: str, target: Target, placed: dict[str, Placed]
) -> dict[str, Fingerprint]:
    """What each placed token authenticates as *on its own* (``authenticate_token`` on a fresh
    instance; without one, the token alone through the SUT's token entry: a request carrying
    only it as Bearer, or relayed) — so a request check judges precedence, not how the SUT reads
    claims, nor which token shapes it takes."""
    return {
        place: fingerprint(_alone(invariant_id, target, p.token)) for place, p in placed.items()
    }


def _alone(invariant_id: str, target: Target, token: str) -> Outcome:
    what = "authenticate_token" if target.has("authenticate_token") else "the token alone"
    return attempt(invariant_id, lambda: target.fresh_token_entry().authenticate_token(token), what)


def _expect_place(
    invariant_id: str,
    outcome: Outcome,
    seen: dict[str, Fingerprint],
    place: str | None,
    request: Request,
    placed: dict[str, Placed],
) -> None:
    """The outcome is what the token in ``place`` gives on its own — or, with ``place`` None,
    ``Unauthorized``. When that credential occurs twice (``place + "2"``), the request is
    ambiguous: a rejection is also permitted, the second occurrence never."""
    got = fingerprint(outcome)
    used = [p for p, f in seen.items() if got is not None and f == got]
    if place is None:
        if isinstance(outcome, Principal):
            rule = _USED_FROM.get(used[0]) if used else None
            violated(
                _rule(invariant_id, rule or (lambda r: r.without_credential)),
                f"with no usable token: {describe(outcome)}\n  {_show(request, placed)}",
            )
        elif not isinstance(outcome, Unauthorized):
            violated(
                _rule(invariant_id, lambda r: r.error_class),
                f"with no usable token: {describe(outcome)}, not Unauthorized\n  "
                + _show(request, placed),
                error=outcome,
            )
        return
    ambiguous = f"{place}2" in placed
    if got != seen[place] and not (ambiguous and isinstance(outcome, AuthError)):
        if got is None:
            sub = _refused_sub(invariant_id, place, request)
        elif invariant_id == CB_RELAYED_FIRST.id:
            used_instead = _USED_INSTEAD_OF_RELAYED.get(used[0]) if used else lambda r: None
            sub = _rule(invariant_id, used_instead or (lambda r: r.other_place_used))
        else:
            sub = _rule(invariant_id, (_USED_FROM.get(used[0]) if used else None) or _NONE)
        violated(
            sub,
            f"expected the {place} token to be used (on its own: "
            f"{'accepted' if seen[place] else 'rejected'}); {describe(outcome)}"
            + (f" — the {used[0]} token" if used else "")
            + f"\n  {_show(request, placed)}",
            error=outcome if got is None else None,
            table=(("request", repr(request)[:600]), ("expected", place)),
        )


#: The ambient places every correct implementation reading the cookie accepts, beside the
#: plain Bearer header, and the completeness sub-check a refusal of each fails.
AMBIENT_PROBES: dict[str, Callable[[Rules], SubCheck | None]] = {
    "bearer-lower": lambda r: r.bearer_scheme_case,
    "cookie": lambda r: r.cookie_refused,
    "cookie-split": lambda r: r.cookie_split,
}


#: Another plain identity's session, for the probes of two credentials in one request.
OTHER = {"sub": "user_2ProbeOtherUser", "user_id": "user_2ProbeOtherUser", "sid": "sess_other"}
#: Requests carrying a first credential and another's second, and the security sub-check
#: failed when the second one is used.
SECOND_CREDENTIAL: dict[
    str,
    tuple[Callable[[Rules], SubCheck | None], Callable[[str, str], tuple[tuple[str, str], ...]]],
] = {
    "another's __session cookie beside the Bearer token": (
        lambda r: r.lower_precedence,
        lambda first, other: (
            ("Authorization", f"Bearer {first}"),
            ("Cookie", f"__session={other}"),
        ),
    ),
    "two __session cookies": (
        lambda r: r.later_occurrence,
        lambda first, other: (("Cookie", f"__session={first}; __session={other}"),),
    ),
    "two Authorization headers": (
        lambda r: r.later_occurrence,
        lambda first, other: (
            ("Authorization", f"Bearer {first}"),
            ("Authorization", f"Bearer {other}"),
        ),
    ),
    "a __session_<suffix> cookie first": (
        lambda r: r.decoy_cookie,
        lambda first, other: (("Cookie", f"__session_x7Yq={other}; __session={first}"),),
    ),
}


def _second_credential_probes(row: str, target: Target, method: str, first: str) -> None:
    """A request with a valid credential and, after it (or under a look-alike name), another
    user's: a rejection or the first one's user — never the other's."""
    other = mint(target, {**OTHER, "org_id": target.settings.org_id})
    base = plain_request(method, first)
    for what, (rule, headers) in SECOND_CREDENTIAL.items():
        request = Request(base.method, base.target, headers(first, other))
        outcome = _send(row, target, method, request)
        if isinstance(outcome, Principal) and outcome.external_id == OTHER["sub"]:
            violated(
                _rule(row, rule),
                f"with {what}, the other user's was used: {describe(outcome)}\n"
                f"  request {request!r}",
                table=(("request", repr(request)[:600]), ("probe", what)),
            )


def _place_control(
    row: str, target: Target, method: str, placed: dict[str, Placed], *, probes: bool = False
) -> None:
    """A control for a request check: a placed token (each is a valid session, signed for a
    plain identity in the trusted org) in the simplest request the method under test takes —
    relayed for the relayed-first rule. With ``probes``, once that is accepted, the same token
    as a lower-case scheme and as the ``__session`` cookie (one field, then two) must be too,
    beside another user's must not lose to theirs, and under another scheme must be refused."""
    where = "body" if row == CB_RELAYED_FIRST.id else "bearer"
    first = next((p for p in placed if p != "decoy"), None)
    if first is None:
        return
    token = placed[first].token
    accepted = request_control(row, target, method, token, where)
    if isinstance(accepted, Principal) and row == CB_RELAYED_FIRST.id:
        _beside_no_session(row, target, method, token, accepted, "body")
    if not isinstance(accepted, Principal) or not probes:
        return
    _second_credential_probes(row, target, method, token)
    _beside_no_session(row, target, method, token, accepted, "bearer")
    _scheme_probes(row, target, method, token, fingerprint(accepted))
    if row == REQ_AMBIENT_ONLY.id:
        _body_alone(row, target, method, token, accepted)
    for place, rule in AMBIENT_PROBES.items():
        request = plain_request(method, token, place)
        outcome = _send(row, target, method, request)
        if not isinstance(outcome, Principal):
            violated(
                _rule(row, rule),
                f"a valid token accepted as a Bearer header was {describe(outcome)} as "
                f"{place}:\n  request {request!r}",
                error=outcome,
                table=(("request", repr(request)[:600]), ("place", place)),
            )


#: A credential that is no session at all, by place: set beside a valid token elsewhere.
NO_SESSION = {
    "bearer": ("Authorization", "Bearer not-a-session-token"),
    "cookie": ("Cookie", "__session=not-a-session-token"),
}
#: For a valid token in each place: the place of the no-session credential beside it, and the
#: sub-checks failed when the request is refused or names someone else.
BESIDE_NO_SESSION: dict[
    str, tuple[str, Callable[[Rules], SubCheck | None], Callable[[Rules], SubCheck | None]]
] = {
    "body": ("bearer", lambda r: r.relayed_refused, lambda r: r.other_place_used),
    "bearer": ("cookie", lambda r: r.bearer_refused, lambda r: r.lower_precedence),
}


def _beside_no_session(
    row: str, target: Target, method: str, token: str, accepted: Principal, place: str
) -> None:
    """A valid token in ``place`` (relayed, or Bearer) beside a credential that is no session
    in the place read after it (a Bearer header, a ``__session`` cookie): the valid token is the
    one used — an implementation reading the other place first refuses it."""
    other, refused, used = BESIDE_NO_SESSION[place]
    base = plain_request(method, token, place)
    request = Request(base.method, base.target, (*base.headers, NO_SESSION[other]), base.body)
    outcome = _send(row, target, method, request)
    if fingerprint(outcome) != fingerprint(accepted):
        violated(
            _rule(row, refused if not isinstance(outcome, Principal) else used),
            f"a valid {place} token accepted on its own was {describe(outcome)} beside a "
            f"{other} credential that is no session:\n  request {request!r}",
            error=outcome,
            table=(("request", repr(request)[:600]), ("expected", place)),
        )


def _body_alone(row: str, target: Target, method: str, token: str, accepted: Principal) -> None:
    """A valid token relayed in an API request's form body, and nowhere else: API auth never
    reads the body, so its user is never signed in (a principal for no credential at all, an
    anonymous guest say, is ``without-credential``'s finding)."""
    relayed = plain_request("callback_subject", token, "body")
    api = plain_request(method, token)
    request = Request("POST", api.target, relayed.headers, relayed.body)
    outcome = _send(row, target, method, request)
    if isinstance(outcome, Principal) and fingerprint(outcome) == fingerprint(accepted):
        violated(
            _rule(row, lambda r: r.body),
            f"a valid token in the form body alone was {describe(outcome)}:\n  request {request!r}",
            table=(("request", repr(request)[:600]), ("place", "body")),
        )


def _scheme_probes(row: str, target: Target, method: str, token: str, who: Fingerprint) -> None:
    """The valid ``token`` (accepted as Bearer, as ``who``) under ``Basic``, ``Token`` or no
    scheme, alone in the request: never ``who`` — where the row declares ``scheme``. (Whoever
    else a request without a Bearer credential signs in is ``without-credential``'s concern.)"""
    scheme = RULES[row].scheme
    if scheme is None:
        return
    for place in OTHER_SCHEMES:
        request = plain_request(method, token, place)
        outcome = _send(row, target, method, request)
        if fingerprint(outcome) == who:
            violated(
                scheme,
                f"a token under no Bearer scheme was {describe(outcome)}:\n  request {request!r}",
                table=(("request", repr(request)[:600]), ("place", place)),
            )


def _ambient_choice(placed: dict[str, Placed]) -> str | None:
    return next((p for p in ("bearer", "cookie") if p in placed), None)


Requests = Callable[[dict[str, str]], st.SearchStrategy[Request]]
Call = tuple[str, Requests]  # a method of the contract, and the requests it is given


@st.composite
def _placed_requests(
    draw: st.DrawFn, calls: tuple[Call, ...], placements: st.SearchStrategy[dict[str, Placed]]
) -> Drawn[tuple[str, dict[str, Placed], Request]]:
    """A method, tokens in places, and a request of the method's kind carrying them — one draw
    (each ``data.draw`` costs tens of microseconds of Hypothesis's bookkeeping). A violation
    shows the request and whose token is where."""
    method, requests = draw(st.sampled_from(calls))
    placed = draw(placements)
    request = draw(requests(tokens_of(placed)))
    return Drawn((method, placed, request), f"{method}: tokens in {', '.join(placed)}")


def _check_precedence(
    invariant_id: str,
    target: Target,
    method: str,
    requests: Requests,
    *,
    required: tuple[str, ...] = (),
    optional: tuple[str, ...],
    expected: Callable[[dict[str, Placed]], str | None],
    probes: bool = False,
) -> None:
    """Requests with tokens in ``required`` and any of ``optional`` places: ``method`` must use
    the token in the ``expected`` place (or, when that is None, be ``Unauthorized``); with
    ``probes``, the ambient places a plain valid token must work in (``_place_control``)."""

    placements = token_placements(
        target.keys, required=required, optional=optional, **deployment(target)
    )

    @for_all(scenario=_placed_requests(((method, requests),), placements))
    def run(scenario: Drawn[tuple[str, dict[str, Placed], Request]]) -> None:
        _, placed, request = scenario.value
        outcome = attempt(invariant_id, lambda: getattr(target.fresh(), method)(request), method)
        seen = baselines(invariant_id, target, placed)
        _place_control(invariant_id, target, method, placed, probes=probes)
        _expect_place(invariant_id, outcome, seen, expected(placed), request, placed)

    with frozen_clock():  # the same tokens for every SUT: each signed once
        if probes:
            _probe_broken(invariant_id, target, method)
        run()


def _probe_broken(row: str, target: Target, method: str) -> None:
    """Every broken cookie and ``Authorization`` header (``strategies.broken_requests``) once
    through ``method``, beside a valid session: never the cookie's user past a malformed
    ``Authorization`` value, never a principal but the cookie's, never one without a usable
    credential (then ``Unauthorized``). A crash is TOTAL's ``request-layer``."""
    if is_capturing():
        return
    token, other = session_pair(target)
    cookie = fingerprint(_send(row, target, method, plain_request(method, token, "cookie")))
    for broken in broken_requests(token, other):
        _judge_broken(row, broken, send_broken(row, target, method, broken), cookie)


def _judge_broken(row: str, broken: Broken, outcome: Outcome, cookie: Fingerprint) -> None:
    """``outcome`` of ``broken`` against what its case allows (``BrokenCase.expect``); ``cookie``:
    whom the valid cookie signs in alone (``None``: refused, then nothing is read past it)."""
    got, expect = fingerprint(outcome), broken.case.expect
    table = (("case", broken.case.name), ("headers", repr(broken.headers)[:600]))
    said = f"{broken.what} was {describe(outcome)}\n  headers {broken.headers!r:.600}"
    if expect == NOT_COOKIE:
        if cookie is not None and got == cookie:
            violated(_rule(row, lambda r: r.malformed_authorization), f"the cookie's user: {said}",
                     table=table)  # fmt: skip
    elif got is not None and (expect == REFUSED or got != cookie):
        violated(_rule(row, lambda r: r.without_credential), f"no usable credential: {said}",
                 table=table)  # fmt: skip
    elif expect == REFUSED and not isinstance(outcome, Unauthorized | Crashed | Principal):
        violated(_rule(row, lambda r: r.error_class), f"not Unauthorized: {said}",
                 error=outcome, table=table)  # fmt: skip


@CB_RELAYED_FIRST.check
def check_cb_relayed_first(target: Target) -> None:
    """When a form POST's first clerk_session_token field is non-empty, it is the token used,
    whatever ambient header or cookie is present."""
    _check_precedence(
        CB_RELAYED_FIRST.id,
        target,
        "callback_subject",
        callback_requests,
        required=("body",),
        optional=("bearer", "cookie", "query", "decoy", "body2"),
        expected=lambda placed: "body",
    )


@CB_NO_QUERY.check
def check_cb_no_query(target: Target) -> None:
    """A clerk_session_token in the query string is never used, in the callback or anywhere."""
    calls: list[Call] = []
    if target.has("callback_subject"):
        calls.append(("callback_subject", callback_requests))
    if target.has("authenticate_request"):
        calls.append(("authenticate_request", api_requests))
    placements = token_placements(
        target.keys, required=["query"], optional=["body", "bearer", "cookie"], **deployment(target)
    )

    @for_all(scenario=_placed_requests(tuple(calls), placements))
    def run(scenario: Drawn[tuple[str, dict[str, Placed], Request]]) -> None:
        name, placed, request = scenario.value
        outcome = attempt(CB_NO_QUERY.id, lambda: getattr(target.fresh(), name)(request), name)
        seen = baselines(CB_NO_QUERY.id, target, placed)
        _place_control(CB_NO_QUERY.id, target, name, placed)
        others = [f for place, f in seen.items() if place != "query"]
        if fingerprint(outcome) not in (None, *others) and fingerprint(outcome) == seen["query"]:
            violated(
                CB_QUERY,
                f"{name} used the query-string token\n  {_show(request, placed)}",
                table=(("request", repr(request)[:600]), ("method", name)),
            )

    with frozen_clock():  # the same tokens for every SUT: each signed once
        run()


@CB_FALLBACK_ORDER.check
def check_cb_fallback_order(target: Target) -> None:
    """Without a relayed token: Authorization Bearer (any scheme case), then the __session
    cookie; neither → Unauthorized."""
    _check_precedence(
        CB_FALLBACK_ORDER.id,
        target,
        "callback_subject",
        callback_requests,
        optional=("bearer", "cookie", "decoy", "bearer2", "cookie2"),
        expected=_ambient_choice,
        probes=True,
    )


@st.composite
def _failing_choice(
    draw: st.DrawFn, target: Target
) -> Drawn[tuple[dict[str, Placed], str, Request]]:
    """Valid tokens in some places, an invalid one in the place the callback must choose, and
    a callback carrying them."""
    chosen = draw(st.sampled_from(["body", "bearer"]))
    lower = ["bearer", "cookie"] if chosen == "body" else ["cookie"]
    placed = draw(
        token_placements(
            target.keys, required=[chosen, *lower[-1:]], optional=lower[:-1], **deployment(target)
        )
    )
    victim = placed[chosen].identity
    claims = draw_session_claims(draw, victim, noise=False)
    bad = draw(invalid_session_tokens(target.keys, claims, org_id=target.settings.org_id))
    placed[chosen] = Placed(victim, bad)
    request = draw(callback_requests(tokens_of(placed)))
    return Drawn(
        (placed, chosen, request), f"an invalid {chosen} token; tokens in {', '.join(placed)}"
    )


@CB_NO_FALLBACK_ON_FAILURE.check
def check_cb_no_fallback_on_failure(target: Target) -> None:
    """If the chosen token is invalid, the login fails; a lower-precedence credential is never
    tried instead. (Invalid as the SUT itself judges it: a token its ``authenticate_token``
    accepts on its own is TOKEN-*'s concern — then the callback must name that token's user.)"""

    @for_all(choice=_failing_choice(target))
    def run(choice: Drawn[tuple[dict[str, Placed], str, Request]]) -> None:
        placed, chosen, request = choice.value
        outcome = attempt(
            CB_NO_FALLBACK_ON_FAILURE.id,
            lambda: target.fresh().callback_subject(request),
            "callback_subject",
        )
        story = [_show(request, placed)]
        lower = [p for p in placed if p != chosen]
        request_control(
            CB_NO_FALLBACK_ON_FAILURE.id, target, "callback_subject", placed[lower[0]].token
        )
        if target.has("authenticate_token"):
            alone = _alone(CB_NO_FALLBACK_ON_FAILURE.id, target, placed[chosen].token)
            if fingerprint(alone) is not None and fingerprint(outcome) != fingerprint(alone):
                violated(
                    FALLBACK,
                    f"the {chosen} token is {describe(alone)} on its own, but the callback was "
                    f"{describe(outcome)}\n  " + story[0],
                )
            if fingerprint(alone) is not None:
                return
        expect_rejected(
            FALLBACK,
            outcome,
            f"a callback whose {chosen} token is invalid",
            story,
        )

    with frozen_clock():  # the same tokens for every SUT: each signed once
        run()


@st.composite
def _machine_callbacks(draw: st.DrawFn, target: Target) -> tuple[str, str, Request, str]:
    """A machine token, the place it is put in, a callback carrying it there, and a valid
    session token (the control)."""
    token, place = draw(machine_tokens()), draw(st.sampled_from(["body", "bearer", "cookie"]))
    placed = draw(token_placements(target.keys, required=["bearer"], **deployment(target)))
    return token, place, draw(callback_requests({place: token})), placed["bearer"].token


def _beside_control(row: str, target: Target, token: str, place: str) -> None:
    """A control for a credential judged in ``place``: the valid ``token`` there, where the
    SUT reads a session there; else in Bearer. A SUT that reads no session from a place (a
    completeness matter CB-FALLBACK-ORDER reports) still refuses what it is sent there."""
    request = plain_request("callback_subject", token, place)
    outcome = _send(row, target, "callback_subject", request)
    if isinstance(outcome, Principal):
        control(outcome, f"callback_subject of {request!r:.300}", token=token)
    else:
        request_control(row, target, "callback_subject", token)


@CB_SESSION_TOKENS_ONLY.check
def check_cb_session_tokens_only(target: Target) -> None:
    """API and machine tokens (not a three-segment JWT; mt_, oat_, ak_) never complete a login."""

    @for_all(callback=_machine_callbacks(target))
    def run(callback: tuple[str, str, Request, str]) -> None:
        token, place, request, valid = callback
        _beside_control(CB_SESSION_TOKENS_ONLY.id, target, valid, place)
        outcome = attempt(
            CB_SESSION_TOKENS_ONLY.id,
            lambda: target.fresh().callback_subject(request),
            "callback_subject",
        )
        expect_rejected(
            MACHINE_TOKEN,
            outcome,
            f"a callback with machine token {token!r} as {place}",
            [repr(request)],
        )

    with frozen_clock():  # the same tokens for every SUT: each signed once
        run()


@REQ_AMBIENT_ONLY.check
def check_req_ambient_only(target: Target) -> None:
    """authenticate_request uses Bearer, then __session; never the body, never the query."""
    _check_precedence(
        REQ_AMBIENT_ONLY.id,
        target,
        "authenticate_request",
        api_requests,
        optional=("body", "query", "bearer", "cookie", "decoy", "bearer2", "cookie2"),
        expected=_ambient_choice,
        probes=True,
    )
