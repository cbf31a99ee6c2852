"""TOKEN-SIGNATURE, TOKEN-TIME, TOKEN-AUDIENCE, TOKEN-MALFORMED: the tokens a verifier must
refuse. Every example runs its family's whole attack list (``strategies.ATTACKS``) against one
instance — sometimes one that just accepted a valid token of the same user, so a cache hit
cannot skip verification. The clock is frozen once per test and moved inside examples.

An example's tokens are built by one composite draw (``_built``), not one ``data.draw`` per
attack choice: each of those cost about 40 µs of Hypothesis's bookkeeping."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from hypothesis import strategies as st

from reference import Principal, Unauthorized
from reference.tokens import nests_deeper
from strategies import (
    ATTACKS,
    AUDIENCE_ATTACKS,
    AUTHORIZED_PARTIES,
    ISSUER,
    MALFORMED_ATTACKS,
    SIGNATURE_ATTACKS,
    TIME_ATTACKS,
    TIMELY_CASES,
    Scene,
    draw_session_claims,
    identities,
)
from strategies.attacks import (
    NEEDS_SETTING,
    OTHER_RSA_ALGORITHMS,
    YEAR_S,
    blemishes,
    compound_probe,
    misspelt_tokens,
    signature_probe,
    timely_token,
    unb64url,
    unparsable_tokens,
    whitespaced_tokens,
)
from strategies.clock import EPOCH, Clock, frozen_clock, timestamp
from strategies.ratings import ANYONE, CRITICAL, HIGH, LOW, MEDIUM, USER
from strategies.tokens import TOKEN_LIFETIME_S

from ..findings import SubCheck
from ..rows import CRASH, TOKEN, Row
from ..target import Outcome, Target, attempt, control, describe, violated
from ._common import Drawn, for_all, is_capturing, numbered


def _attack_subchecks(row: Row, family: str, title: str) -> dict[str, SubCheck]:
    """One security sub-check of ``row`` per attack of ``family`` (``strategies.ATTACKS``), by
    attack name: named after it (hyphenated), with the reach, severity and fix hint the attack
    registered with."""
    return {
        attack.name: row.security(
            attack.name.replace("_", "-"),
            attack.reach,
            title.format(attack.name),
            attack.severity,
            fix=attack.fix,
        )
        for attack in ATTACKS.values()
        if attack.family == family
    }


TOKEN_SIGNATURE = Row(
    "TOKEN-SIGNATURE", CRITICAL, "only tokens signed by a JWKS key with an allowed alg", TOKEN
)
SIGNATURE = _attack_subchecks(TOKEN_SIGNATURE, "signature", "the {0} forgery is refused")
COMPOUND_ERROR = TOKEN_SIGNATURE.security(
    "compound-error",
    ANYONE,
    "a forgery refused alone is refused when it also carries a forgivable error",
    fix="refuse on any error: never forgive one of several (golang-jwt v4: test err != nil)",
)

TOKEN_TIME = Row("TOKEN-TIME", HIGH, "exp required; exp, nbf, iat checked with leeway", TOKEN)
TIME = _attack_subchecks(TOKEN_TIME, "time", "the {0} token is refused")
EXP_BOUNDARY = TIME["exp_boundary"]
EXPIRED_REPLAY = TOKEN_TIME.security(
    "expired-replay",
    USER,
    "a token accepted once is refused a second or more after exp + leeway",
    fix="check `exp` on every call with the current clock, even for a cached user",
)
WITHIN_LEEWAY = TOKEN_TIME.completeness(
    "within-leeway",
    USER,
    "a token valid within the leeway is accepted",
    fix="apply the configured leeway to `exp`, `nbf` and `iat` (PyJWT: leeway=...)",
)

TOKEN_AUDIENCE = Row("TOKEN-AUDIENCE", MEDIUM, "azp and iss checked when configured", TOKEN)
AUDIENCE = _attack_subchecks(TOKEN_AUDIENCE, "audience", "the {0} token is refused")
LISTED_PARTY = TOKEN_AUDIENCE.completeness(
    "listed-party",
    USER,
    "a token for any listed party is accepted",
    fix="accept an `azp` equal to any configured authorized party, not only the first",
)

TOKEN_MALFORMED = Row("TOKEN-MALFORMED", HIGH, "any malformed string is Unauthorized", TOKEN)
MALFORMED = _attack_subchecks(TOKEN_MALFORMED, "malformed", "the {0} token is refused")
ERROR_CLASS = TOKEN_MALFORMED.robustness(
    "error-class",
    ANYONE,
    "a malformed token is Unauthorized",
    LOW,
    fix="raise Unauthorized for a token that cannot be parsed, not InvalidClaims",
)
#: The sub-check judging each attack of ``strategies.ATTACKS``, by attack name.
ATTACK_SUBCHECKS: dict[str, SubCheck] = {**SIGNATURE, **TIME, **AUDIENCE, **MALFORMED}

#: TOKEN-SIGNATURE runs with ES256 allowed too, so ECDSA attacks reach the trusted EC key.
SIGNATURE_ALGORITHMS = ("RS256", "ES256")
LEEWAYS = st.sampled_from([5, 0, 1, 30, 300])
PARTY_SETS = st.sampled_from(
    [AUTHORIZED_PARTIES, AUTHORIZED_PARTIES[1:], ("http://localhost:3000", AUTHORIZED_PARTIES[0])]
)
ISSUERS = st.sampled_from([ISSUER, "https://clerk.example.com"])


def _abbreviated(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


#: How deeply a token's JSON may nest for a story to decode it (the deep-JSON attack nests past
#: the interpreter's recursion limit: decoding it would leave a finalizer running meanwhile no
#: stack, an unraisable RecursionError); deeper, it is shown as sent.
READABLE_DEPTH = 200


def _readable(segment: str) -> Any:
    """The JSON ``segment`` holds; ``ValueError`` if it holds none, or nests too deep."""
    raw = unb64url(segment)
    if nests_deeper(raw, READABLE_DEPTH):
        raise ValueError(f"nests deeper than {READABLE_DEPTH}")
    return json.loads(raw)


def _decoded(segment: str, limit: int) -> str:
    try:
        return _abbreviated(json.dumps(_readable(segment)), limit)
    except ValueError:
        return _abbreviated(repr(segment), limit)


def relative_times(token: str) -> str:
    """The token's ``iat``/``nbf``/``exp`` against the clock now (frozen, in the checks), e.g.
    ``exp = now - 6 s``: a story needs no subtraction by the reader."""
    try:
        payload = _readable(token.split(".")[1])
    except (IndexError, ValueError):
        return ""
    if not isinstance(payload, dict):
        return ""
    now = time.time()
    said = []
    for name in ("iat", "nbf", "exp"):
        value = payload.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e15:
            delta = round(value - now)
            said.append(f"{name} = now {'-' if delta < 0 else '+'} {abs(delta)} s")
    return ", ".join(said)


def show(token: str, limit: int = 400) -> str:
    """A token's decoded header and payload (unverified), and its times against the clock, for
    reading a counterexample."""
    parts = [_decoded(segment, limit) for segment in token.split(".")[:2]]
    text = f"header {parts[0]} payload {parts[1]}" if len(parts) == 2 else f"token {token!r}"
    times = relative_times(token)
    return _abbreviated(text, limit) + (f" ({times})" if times else "")


def token_table(token: str, placement: str = "authenticate_token") -> tuple[tuple[str, str], ...]:
    """A token as a counterexample's rows: header and payload decoded, its times against the
    clock, the token abbreviated, and where it was presented."""
    segments = token.split(".")
    rows = [("token", _abbreviated(token, 60)), ("segments", str(len(segments)))]
    if len(segments) >= 2:
        rows += [("header", _decoded(segments[0], 300)), ("payload", _decoded(segments[1], 600))]
    if times := relative_times(token):
        rows.append(("times", f"{times} (now = {_when(time.time())})"))
    return (*rows, ("placement", placement))


def _present(
    invariant_id: str,
    sut: Any,
    token: str,
    what: str,
    crash: SubCheck = CRASH,
    table: tuple[tuple[str, str], ...] = (),
) -> Outcome:
    call = lambda: sut.authenticate_token(token)  # noqa: E731
    return attempt(invariant_id, call, what, crash=crash, table=table)


def _prepared(
    invariant_id: str, target: Target, scene: Scene, data: st.DataObject, **settings: Any
) -> tuple[Any, list[str], Outcome]:
    """A fresh instance configured with ``settings`` — half the time one that has just accepted
    (or not) the scene's valid token, so a cached user must not excuse a bad token — its story,
    and what the valid token gets (the same token without the attack's mutation)."""
    sut, story = target.fresh_token_entry(**settings), []
    warm = data.draw(st.booleans(), label="warm cache first")
    checked = sut if warm else target.fresh_token_entry(**settings)
    outcome = _present(invariant_id, checked, scene.valid(), "a valid token")
    control(outcome, f"a valid session token ({show(scene.valid(), 200)})", claims=scene.claims)
    if warm:
        story.append(f"a valid token: {describe(outcome)}")
    return sut, story, outcome


@st.composite
def _built(
    draw: st.DrawFn, scene: Scene, attacks: tuple[str, ...], timely: tuple[str, ...] = ()
) -> Drawn[dict[str, str]]:
    """One token for each attack in ``attacks`` and each case in ``timely``, by name. Shown by
    their names: a counterexample must not print a megabyte of token (the violation shows, and
    decodes, the one at fault)."""
    tokens = {name: ATTACKS[name].build(draw, scene) for name in attacks}
    tokens.update({case: timely_token(draw, scene, case) for case in timely})
    return Drawn(tokens, f"tokens: {', '.join(tokens)}")


@st.composite
def _built_twice(
    draw: st.DrawFn, scene: Scene, attacks: tuple[str, ...]
) -> Drawn[dict[str, tuple[str, Callable[[], str]]]]:
    """``_built``'s tokens, each with how to build it again on the scene without its second
    error (``blemish``): the same attack from the same drawn choices, so the two tokens differ
    by the second error alone (built only when asked: an accepted forgery is rare)."""
    plain = dataclasses.replace(scene, blemish={})
    tokens: dict[str, tuple[str, Callable[[], str]]] = {}
    for name in attacks:
        token, choices = _recorded(draw, ATTACKS[name].build, scene)
        tokens[name] = (token, functools.partial(_replayed, ATTACKS[name].build, plain, choices))
    return Drawn(tokens, f"tokens: {', '.join(tokens)}")


def _recorded(
    draw: st.DrawFn, build: Callable[[Any, Scene], str], scene: Scene
) -> tuple[str, tuple[Any, ...]]:
    """``build`` on ``scene`` from ``draw``, and the choices it drew, in order."""
    choices: list[Any] = []

    def recording(strategy: st.SearchStrategy[Any], label: object = None) -> Any:
        choices.append(draw(strategy))
        return choices[-1]

    return build(cast(st.DrawFn, recording), scene), tuple(choices)


def _replayed(build: Callable[[Any, Scene], str], scene: Scene, choices: tuple[Any, ...]) -> str:
    """``build`` on ``scene``, each of its draws answered by the next of ``choices``."""
    answers = iter(choices)

    def replaying(strategy: st.SearchStrategy[Any], label: object = None) -> Any:
        return next(answers)

    return build(cast(st.DrawFn, replaying), scene)


def _refuse_all(
    subs: Mapping[str, SubCheck],
    sut: Any,
    names: tuple[str, ...],
    built: Drawn[dict[str, str]],
    story: list[str],
    refused: Callable[[Outcome], bool] = lambda outcome: not isinstance(outcome, Principal),
    error_class: SubCheck | None = None,
    valid: Outcome | None = None,
    alone: Callable[[str], tuple[Any, str]] | None = None,
) -> None:
    """Every attack in ``names``, one token each, must be refused (else its sub-check in
    ``subs`` fails) — as ``refused`` says where the same token without the attack (``valid``)
    is accepted, else ``error_class`` fails: a refusal the valid token gets too is for its
    claims (a shape the SUT refuses), not for the attack's mutation. Where the tokens carry a
    second error (``alone`` rebuilds an attack without it, for a fresh instance), an accepted
    one is that attack's finding only if it is accepted alone too: else ``compound-error``."""
    for name in names:
        token, sub = built.value[name], subs[name]
        crash = CRASH if error_class is None else error_class
        outcome = _present(sub.row, sut, token, f"the {name} token", crash)
        story.append(f"{name}: {describe(outcome)}")
        if isinstance(outcome, Principal) and alone and _forgiven(name, token, alone, story):
            continue  # compound-error's: reported, or found already
        if isinstance(outcome, Principal):
            what = ATTACKS[name].doc
            violated(
                sub,
                f"the {name!r} attack was {describe(outcome)}. The attack: {what}\n"
                f"  {show(token)}\n" + numbered(story),
                table=token_table(token),
            )
        elif error_class is not None and not refused(outcome) and isinstance(valid, Principal):
            violated(
                error_class,
                f"the {name!r} attack was {describe(outcome)}, not Unauthorized\n"
                f"  {show(token)}\n" + numbered(story),
                error=outcome,
                table=token_table(token),
            )


def _forgiven(
    name: str, token: str, alone: Callable[[str], tuple[Any, str]], story: list[str]
) -> bool:
    """An accepted forgery carrying a second error, built again without it for a fresh
    instance: refused alone, the second error was forgiven and the forgery with it — a
    ``compound-error`` finding (True); accepted alone, the attack's own (False)."""
    fresh, plain = alone(name)
    plainly = _present(TOKEN_SIGNATURE.id, fresh, plain, f"the {name} token, no second error")
    story.append(f"{name} without the second error, on a fresh instance: {describe(plainly)}")
    if isinstance(plainly, Principal):
        return False
    violated(
        COMPOUND_ERROR,
        f"the {name!r} forgery was accepted while it also carried a forgivable error, and "
        f"refused without it: the second error was forgiven, and the forgery with it\n"
        f"  {show(token)}\n" + numbered(story),
        table=token_table(token),
    )
    return True


@functools.cache  # one strategy per org, not one per example
@st.composite
def _plain_sessions(draw: st.DrawFn, org_id: str) -> dict[str, Any]:
    """The claims of a plain identity's session in ``org_id``, without noise."""
    return draw_session_claims(
        draw, draw(identities(org_id=org_id, adversarial=False)), noise=False
    )


def _parties(target: Target, wanted: tuple[str, ...] = AUTHORIZED_PARTIES) -> tuple[str, ...]:
    """The parties a scene's tokens are minted for: the ones the SUT lists whatever it is
    configured with (declared fixed: an app naming its own front end), else ``wanted``."""
    fixed = target.capabilities.value("authorized_parties")
    return tuple(fixed) if fixed else wanted


def _scene(
    target: Target,
    data: st.DataObject,
    *,
    now: int | None = None,
    leeway: int = 5,
    parties: tuple[str, ...] = AUTHORIZED_PARTIES,
    issuer: str = ISSUER,
    held: str | None = None,
) -> Scene:
    """A valid session to attack: a plain identity in the trusted org, any claim shape, no
    noise; at ``now`` (default: the epoch) for a deployment with the given settings, holding
    its key as ``held``."""
    drawn = data.draw(_plain_sessions(target.settings.org_id), label="claims")
    # where it comes from and goes to are the deployment's: the scene sets them
    claims = {name: value for name, value in drawn.items() if name not in ("azp", "iss")}
    instant = timestamp() if now is None else now
    return Scene(target.keys, claims, instant, leeway, _parties(target, parties), issuer, held)


def _probe_signature(target: Target) -> None:
    """Every keyless and key-confused forgery once (``strategies.attacks.signature_probe``),
    on a cold instance holding its key as the SUT declares (``Settings.jwt_key``): HMAC
    keyed with each trusted key in every form — the exact bytes held among them — ``none`` and
    HMAC under every key-lookup outcome, the trusted key under every other RSA algorithm. A
    verifier confused by one form, or one lookup failure, is found whatever a seed draws."""
    if is_capturing():
        return
    settings = target.configured(algorithms=SIGNATURE_ALGORITHMS)
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        claims = {"sub": "user_2KeyProbe", "org_id": target.settings.org_id, "sid": "sess_1"}
        scene = Scene(
            target.keys, claims, timestamp(), 5, _parties(target), ISSUER, settings.jwt_key
        )
        first = target.fresh_token_entry(algorithms=SIGNATURE_ALGORITHMS)
        valid = _present(TOKEN_SIGNATURE.id, first, scene.valid(), "a valid token")
        del first  # a served instance goes back to its pool: a --url service is one
        if not control(valid, "a plain session's token, before its forgeries", claims=claims):
            return  # refused as it is: its forgeries prove nothing
        sut = target.fresh_token_entry(algorithms=SIGNATURE_ALGORITHMS)  # one cold instance
        for attack, what, forged in signature_probe(scene, settings.algorithms):
            table = token_table(forged)
            outcome = _present(TOKEN_SIGNATURE.id, sut, forged, what, table=table)
            if isinstance(outcome, Principal):
                violated(
                    SIGNATURE[attack],
                    f"a forgery ({what}) was {describe(outcome)}. The attack: "
                    f"{ATTACKS[attack].doc}\n  {show(forged)}",
                    table=table,
                )


def _probe_compound(target: Target) -> None:
    """A few forgeries (``strategies.attacks.compound_probe``), each alone and carrying each
    forgivable second error — ``iat``/``nbf`` ahead, ``exp`` past, inside the leeway or just
    outside, another ``iss`` or ``azp`` — on an instance pinning the issuer and listing the
    parties where it can: one refused alone must stay refused with the second error."""
    if is_capturing():
        return
    unsupported = target.capabilities.unsupported
    needed: dict[str, Any] = {"algorithms": SIGNATURE_ALGORITHMS}
    if "issuer" not in unsupported:
        needed["issuer"] = ISSUER
    if "authorized_parties" not in unsupported:
        needed["authorized_parties"] = AUTHORIZED_PARTIES
    settings = target.configured(**needed)
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        claims = {"sub": "user_2CompoundProbe", "org_id": settings.org_id, "sid": "sess_2"}
        scene = Scene(
            target.keys, claims, timestamp(), int(settings.leeway_s), _parties(target), ISSUER,
            settings.jwt_key,
        )  # fmt: skip
        sut = target.fresh_token_entry(**needed)
        if not control(_present(TOKEN_SIGNATURE.id, sut, scene.valid(), "a valid token"),
                       "a plain session's token, before its forgeries", claims=claims):  # fmt: skip
            return
        for blemish, what, alone, blemished in compound_probe(scene):
            if NEEDS_SETTING.get(blemish) in unsupported:
                continue
            if isinstance(_present(TOKEN_SIGNATURE.id, sut, alone, what), Principal):
                continue  # accepted alone: its own sub-check's finding, not a compound one
            table = token_table(blemished)
            outcome = _present(
                TOKEN_SIGNATURE.id, sut, blemished, f"{what}, {blemish}", table=table
            )
            if isinstance(outcome, Principal):
                violated(
                    COMPOUND_ERROR,
                    f"a forgery ({what}) refused alone was {describe(outcome)} when it also "
                    f"carried {blemish}: the second error was forgiven, and the forgery with it"
                    f"\n  {show(blemished)}",
                    table=table,
                )


#: The second errors every drawn forgery of an example may carry: none, or one a caller may
#: forgive — inside the leeway. Those a plain check refuses anyway (beyond the leeway, another
#: ``iss`` or ``azp``) would mask the forgery; the compound probe sends them.
FORGIVABLE = ("none", "iat-ahead", "nbf-ahead", "exp-past")


@TOKEN_SIGNATURE.check
def check_token_signature(target: Target) -> None:
    """Only tokens signed by a key of the JWKS, with an allowed algorithm, are accepted: every
    forgery of ``SIGNATURE_ATTACKS`` is rejected — most examples' forgeries each also carrying
    a second error a caller might forgive (``iat``/``nbf`` ahead, ``exp`` past, inside the
    leeway: ``FORGIVABLE``), for a compound error is never forgiven into an acceptance.
    Every keyless and key-confused forgery, and a few forgeries with each second error, are
    tried once first (``_probe_signature``, ``_probe_compound``)."""
    _probe_signature(target)
    _probe_compound(target)
    configured = target.configured(algorithms=SIGNATURE_ALGORITHMS)
    attacks = SIGNATURE_ATTACKS
    if set(configured.algorithms) & set(OTHER_RSA_ALGORITHMS):  # the probe tries the others
        attacks = tuple(name for name in attacks if name != "other_algorithm")
    with frozen_clock() as clock:

        @for_all(data=st.data())
        def run(data: st.DataObject) -> None:
            clock.move_to(EPOCH)
            scene = _scene(target, data, leeway=int(configured.leeway_s), held=configured.jwt_key)
            blemish = data.draw(st.sampled_from(FORGIVABLE), label="every forgery also carries")
            sut, story, _ = _prepared(
                TOKEN_SIGNATURE.id, target, scene, data, algorithms=SIGNATURE_ALGORITHMS
            )
            changes = blemishes(scene.now, scene.leeway)[blemish]
            attacked = dataclasses.replace(scene, blemish=changes)
            twice = data.draw(_built_twice(attacked, attacks), label="tokens")
            built = Drawn({name: token for name, (token, _) in twice.value.items()}, twice.summary)
            alone = None
            if changes:
                story.insert(0, f"every forgery also carries {blemish} ({changes})")

                def alone(name: str) -> tuple[Any, str]:
                    fresh = target.fresh_token_entry(algorithms=SIGNATURE_ALGORITHMS)
                    return fresh, twice.value[name][1]()

            _refuse_all(SIGNATURE, sut, attacks, built, story, alone=alone)

        run()


def _accepted_like(
    sub: SubCheck,
    plain: Outcome,
    outcome: Outcome,
    why: str,
    story: list[str],
    token: str,
) -> None:
    """Where the plain token is accepted, ``outcome`` must accept the same user."""
    if isinstance(plain, Principal) and not (
        isinstance(outcome, Principal)
        and (outcome.external_id, outcome.org_id) == (plain.external_id, plain.org_id)
    ):
        violated(
            sub,
            f"{why} was {describe(outcome)}, though the same session with plain times is "
            f"{describe(plain)}:\n" + numbered(story),
            error=outcome,
            table=token_table(token),
        )


def leeways(target: Target) -> st.SearchStrategy[int]:
    """The leeways TOKEN-TIME configures: ``LEEWAYS``, or only the one the SUT declares fixed."""
    fixed = target.capabilities.value("leeway_s")
    return LEEWAYS if fixed is None else st.just(fixed)


@TOKEN_TIME.check
def check_token_time(target: Target) -> None:
    """``exp`` is required; a token past ``exp``, before ``nbf`` or issued after now — each
    beyond the leeway — is rejected, and one valid only thanks to the leeway is accepted. The
    clock jumps by up to decades per example, and a token accepted once is replayed after it
    expired. A SUT declaring its leeway fixed is judged at that leeway only."""
    with frozen_clock() as clock:

        @for_all(
            leeway=leeways(target),
            years=st.sampled_from([0, 1, 30]) | st.integers(0, 30),
            data=st.data(),
        )
        def run(leeway: int, years: int, data: st.DataObject) -> None:
            clock.move_to(EPOCH + datetime.timedelta(days=365 * years))
            now = timestamp(EPOCH) + years * YEAR_S
            scene = _scene(target, data, now=now, leeway=leeway)
            plain = _present(
                TOKEN_TIME.id, target.fresh_token_entry(leeway_s=leeway), scene.valid(), ""
            )
            control(
                plain,
                f"a valid session token, leeway {leeway}s ({show(scene.valid(), 200)})",
                claims=scene.claims,
            )
            sut, story, _ = _prepared(TOKEN_TIME.id, target, scene, data, leeway_s=leeway)
            story.insert(0, f"leeway {leeway}s, clock at {_when(now)}")
            built = data.draw(_built(scene, TIME_ATTACKS, TIMELY_CASES), label="tokens")
            _refuse_all(TIME, sut, TIME_ATTACKS, built, story)
            for case in TIMELY_CASES:
                token = built.value[case]
                outcome = _present(TOKEN_TIME.id, sut, token, f"the {case} token")
                story.append(f"{case}: {describe(outcome)}")
                _accepted_like(
                    WITHIN_LEEWAY,
                    plain,
                    outcome,
                    f"a {case} token ({show(token)})",
                    story,
                    token,
                )
            _replay_after_expiry(target, clock, scene, data, story)

        run()


def _when(seconds: float) -> str:
    """An instant as ISO 8601 and as the Unix seconds the claims are written in."""
    iso = datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()
    return f"{iso} (unix {int(seconds)})"


def _replay_after_expiry(
    target: Target, clock: Clock, scene: Scene, data: st.DataObject, story: list[str]
) -> None:
    """A token accepted now is rejected once time has moved past ``exp`` plus the leeway: a
    second or more past it (``expired-replay``), or exactly at it (``exp-boundary``, a
    boundary: RFC 7519 says expired there, many libraries say valid)."""
    sut, token = target.fresh_token_entry(leeway_s=scene.leeway), scene.valid()
    first = _present(TOKEN_TIME.id, sut, token, "a valid token")
    past = data.draw(
        st.sampled_from([0, 1, 3600, 10 * YEAR_S]) | st.integers(0, 30 * YEAR_S), label="wait"
    )
    later = TOKEN_LIFETIME_S + scene.leeway + past
    clock.tick(later)
    replay = _present(TOKEN_TIME.id, sut, token, "the replayed token")
    story.append(
        f"a valid token: {describe(first)}; {later}s later (now = exp + leeway + {past} s), "
        f"replayed: {describe(replay)}"
    )
    if isinstance(replay, Principal):
        violated(
            EXPIRED_REPLAY if past else EXP_BOUNDARY,
            "a token was accepted after it expired:\n" + numbered(story),
            table=token_table(token),
        )


@TOKEN_AUDIENCE.check
def check_token_audience(target: Target) -> None:
    """With authorized parties set, ``azp`` must be present and listed; with an issuer set,
    ``iss`` must equal it — exactly. A token meeting both is accepted. The attacks on a setting
    the SUT declares unsupported are not run (their sub-checks are ``n/a``)."""
    skipped = target.not_applicable(TOKEN_AUDIENCE.id)
    attacks = tuple(name for name in AUDIENCE_ATTACKS if AUDIENCE[name].name not in skipped)
    with frozen_clock() as clock:

        @for_all(parties=PARTY_SETS, issuer=ISSUERS, data=st.data())
        def run(parties: tuple[str, ...], issuer: str, data: st.DataObject) -> None:
            clock.move_to(EPOCH)
            parties = _parties(target, parties)  # an app's own, if it declares them fixed
            scene = _scene(target, data, parties=parties, issuer=issuer)
            configured = {"authorized_parties": parties, "issuer": issuer}
            sut, story, _ = _prepared(TOKEN_AUDIENCE.id, target, scene, data, **configured)
            story.insert(0, f"authorized parties {parties!r}, issuer {issuer!r}")
            built = data.draw(_built(scene, attacks), label="tokens")
            _refuse_all(AUDIENCE, sut, attacks, built, story)
            plain = _present(TOKEN_AUDIENCE.id, target.fresh_token_entry(), scene.valid(), "")
            for party in parties:
                token = scene.valid(azp=party)
                outcome = _present(TOKEN_AUDIENCE.id, sut, token, "a token for a listed party")
                story.append(f"azp {party!r}, iss {issuer!r}: {describe(outcome)}")
                _accepted_like(LISTED_PARTY, plain, outcome, "a listed azp", story, token)

        run()


#: The malformed attacks but the mebibyte token, which half the examples add: it is the same
#: token but for its tail, and a verifier that scans it character by character (PyJWT does)
#: spends more on it than on all the others together.
_MALFORMED_SMALL = tuple(name for name in MALFORMED_ATTACKS if name != "huge")


def _probe_malformed(target: Target) -> None:
    """A plain session's token in every misspelling of its segments, and its payload and header
    replaced by every text and value ``not_json`` and ``not_an_object`` may draw — each once,
    each on a fresh instance: a decoder that reads one, or refuses it with another error than
    ``Unauthorized`` (a 500, say), is found whatever a seed draws (``=`` padding, which a lax
    decoder accepts and six of seven other misspellings not; a ``null`` header; a no-break space
    where the signature starts, which jjwt skips), judged as the drawn attacks are."""
    if is_capturing():
        return
    with frozen_clock() as clock:
        clock.move_to(EPOCH)
        claims = {"sub": "user_2Base64Probe", "org_id": target.settings.org_id, "sid": "sess_1"}
        scene = Scene(target.keys, claims, timestamp(), 5, _parties(target), ISSUER)
        token = scene.valid()
        valid = _present(TOKEN_MALFORMED.id, target.fresh_token_entry(), token, "a valid token")
        if not control(valid, "a plain session's token, before its malformations", claims=claims):
            return  # refused as it is: its malformations prove nothing
        probes = [*unparsable_tokens(scene), *misspelt_tokens(token), *whitespaced_tokens(token)]
        for attack, what, bad in probes:
            sut, table = target.fresh_token_entry(), token_table(bad)
            outcome = _present(TOKEN_MALFORMED.id, sut, bad, what, ERROR_CLASS, table)
            if isinstance(outcome, Principal):
                violated(
                    MALFORMED[attack],
                    f"a valid session's token with {what} was {describe(outcome)}\n  {show(bad)}",
                    table=table,
                )
            elif not isinstance(outcome, Unauthorized):
                violated(
                    ERROR_CLASS,
                    f"a valid session's token with {what} was {describe(outcome)}, not "
                    f"Unauthorized\n  {show(bad)}",
                    error=outcome,
                    table=table,
                )


@TOKEN_MALFORMED.check
def check_token_malformed(target: Target) -> None:
    """Any string that is not a well-formed compact JWS — wrong segment count, bad base64url,
    not JSON, not an object, not UTF-8, too deep, too big — is ``Unauthorized``, whatever the
    signature: no acceptance, no ``InvalidClaims``, no crash. Every misspelling of a plain
    session's segments, and every unparsable header and payload, is tried once first
    (``_probe_malformed``)."""
    _probe_malformed(target)
    with frozen_clock() as clock:

        @for_all(data=st.data())
        def run(data: st.DataObject) -> None:
            clock.move_to(EPOCH)
            scene = _scene(target, data)
            sut, story, valid = _prepared(TOKEN_MALFORMED.id, target, scene, data)
            names = _MALFORMED_SMALL
            if data.draw(st.booleans(), label="the mebibyte token too"):
                names = MALFORMED_ATTACKS
            built = data.draw(_built(scene, names), label="tokens")
            _refuse_all(
                MALFORMED,
                sut,
                names,
                built,
                story,
                refused=lambda outcome: isinstance(outcome, Unauthorized),
                error_class=ERROR_CLASS,
                valid=valid,
            )

        run()
