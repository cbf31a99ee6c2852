"""Signed session tokens: real RS256 JWS from PyJWT over the harness's real keys."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hypothesis import strategies as st
from jwt.api_jws import PyJWS

from .draws import pick
from .identities import TRUSTED_ORG
from .ids import clerk_ids
from .keys import SigningKey, SigningKeys

#: How long a freshly signed token lives, in seconds (Clerk's default is 60).
TOKEN_LIFETIME_S = 60
#: Where Clerk's tokens come from and go to: a development instance's Frontend API (the ``iss``
#: of every token the harness mints unless a deployment pins another) and the origins of the
#: applications signing in (``azp``).
ISSUER = "https://harness-example.clerk.accounts.dev"
AUTHORIZED_PARTIES = ("https://app.example.com", "https://dashboard.example.com")


def with_times(
    claims: Mapping[str, Any],
    now: float | None = None,
    *,
    issuer: str | None = None,
    party: str | None = None,
) -> dict[str, Any]:
    """``claims`` as Clerk mints a session token: plus ``iat``, ``nbf`` and ``exp`` around
    ``now`` (default: the clock now), ``iss`` (``issuer``, default ``ISSUER``) and ``azp``
    (``party``, default the first of ``AUTHORIZED_PARTIES``) — keeping any the claims already
    carry, so a check that tests an absent claim removes it on purpose (``add_times=False``)."""
    issued = int(time.time() if now is None else now)
    minted = {
        "iat": issued,
        "nbf": issued - 5,
        "exp": issued + TOKEN_LIFETIME_S,
        "iss": issuer or ISSUER,
        "azp": party or AUTHORIZED_PARTIES[0],
    }
    return {**minted, **claims}


#: Signatures remembered by ``remembered``: at most this many, of inputs at most this long.
_REMEMBERED: dict[tuple[Hashable, bytes], Any] = {}
_REMEMBER_AT_MOST, _REMEMBER_UP_TO_BYTES = 4096, 16 * 1024


@contextmanager
def signing_afresh() -> Iterator[None]:
    """``remembered`` off meanwhile: every signature made as if for the first time (what
    ``benchmarks/run.py`` measures signing's cost with)."""
    global _REMEMBER_UP_TO_BYTES
    saved = _REMEMBER_UP_TO_BYTES
    _REMEMBER_UP_TO_BYTES = -1  # no input is short enough to be remembered
    try:
        yield
    finally:
        _REMEMBER_UP_TO_BYTES = saved


def remembered(signer: Hashable, data: bytes, sign: Callable[[bytes], Any]) -> Any:
    """``sign(data)``, made once per ``signer`` and input. The derandomized ``ci`` profile draws
    the same tokens for every implementation an audit runs, and signing costs more than all
    else a token check does. RS256 is deterministic; a replayed ES256 signature is as valid."""
    if len(data) > _REMEMBER_UP_TO_BYTES:
        return sign(data)
    entry = (signer, data)
    made = _REMEMBERED.get(entry)
    if made is None:
        if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
            _REMEMBERED.clear()
        made = _REMEMBERED[entry] = sign(data)
    return made


def sign_payload(
    payload: bytes, key: SigningKey, *, headers: Mapping[str, Any] | None = None
) -> str:
    """A compact JWS (RS256 or ES256, as ``key`` signs) of raw ``payload`` bytes (any JSON, or
    none) under ``key``, its ``kid`` in the header unless ``headers`` say otherwise."""
    header = {"kid": key.kid, **(headers or {})}

    def encode(data: bytes) -> str:
        return PyJWS().encode(data, key.private_key, algorithm=key.alg, headers=header)

    try:
        signer: Hashable = ("PyJWS", key, json.dumps(header, sort_keys=True))
    except TypeError:  # a header value JSON cannot write: PyJWS reports it
        return encode(payload)
    return str(remembered(signer, payload, encode))


def sign(
    claims: Mapping[str, Any],
    key: SigningKey,
    *,
    add_times: bool = True,
    issuer: str | None = None,
    party: str | None = None,
) -> str:
    """A compact JWS of ``claims`` under ``key``, its ``kid`` in the header — with the claims
    Clerk always mints (``with_times``: times, ``iss``, ``azp``) unless ``add_times=False``.

    The claims are signed as given — PyJWT's claim validation is bypassed, so hostile values
    (a numeric ``iss``, a string ``exp``) reach the verifier under test."""
    payload = with_times(claims, issuer=issuer, party=party) if add_times else dict(claims)
    return sign_payload(json.dumps(payload, separators=(",", ":")).encode(), key)


def signed_tokens(
    claims: Mapping[str, Any] | st.SearchStrategy[Mapping[str, Any]], keys: SigningKeys
) -> st.SearchStrategy[str]:
    """Tokens signed by one of ``keys``' trusted keys, valid from the moment they are drawn.

    >>> from strategies import signing_keys
    >>> signed_tokens({"sub": "user_1", "org_id": "org_1"}, signing_keys()).example()
    ... # doctest: +SKIP
    'eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19oYXJuZXNzXzIwMjZhIiwidHlwIjoiSldUIn0.eyJ...'
    """
    claim_sets = claims if isinstance(claims, st.SearchStrategy) else st.just(claims)
    return st.builds(sign, claim_sets, st.sampled_from(keys.trusted))


MACHINE_PREFIXES = ("mt_", "oat_", "ak_")


def machine_tokens() -> st.SearchStrategy[str]:
    """Clerk machine credentials — M2M (``mt_``), OAuth access (``oat_``), API keys (``ak_``) —
    which are opaque, not JWTs, and must never complete a browser login."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    body = st.text(alphabet, min_size=24, max_size=40)
    return st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(MACHINE_PREFIXES), body)


INVALID_KINDS = ("untrusted_key", "tampered", "expired", "foreign_org", "no_user", "garbage")


def _flip_middle(segment: str) -> str:
    """Change one base64url character in the middle, where every bit is significant."""
    i = len(segment) // 2
    return segment[:i] + ("A" if segment[i] != "A" else "B") + segment[i + 1 :]


@st.composite
def invalid_session_tokens(
    draw: st.DrawFn, keys: SigningKeys, claims: Mapping[str, Any], *, org_id: str
) -> str:
    """JWT-shaped tokens built from ``claims`` that a correct verifier rejects: signed by a key
    outside the JWKS, tampered after signing, expired an hour ago, for another org, naming no
    user, or three segments of garbage. (`token_attacks` has the full list of forgeries.)"""
    kind = pick(draw, INVALID_KINDS)
    trusted = pick(draw, keys.trusted)
    if kind == "untrusted_key":
        impostor = SigningKey(
            pick(draw, [trusted.kid, keys.attacker.kid]), keys.attacker.private_key
        )
        return sign(claims, impostor)
    if kind == "tampered":
        header, payload, signature = sign(claims, trusted).split(".")
        return ".".join([header, payload, _flip_middle(signature)])
    if kind == "expired":
        return sign(with_times(claims, now=time.time() - 3600), trusted, add_times=False)
    if kind == "foreign_org":
        moved = {k: v for k, v in claims.items() if k not in ("org_id", "o")}
        return sign({**moved, "org_id": f"{org_id}_other"}, trusted)
    if kind == "no_user":
        return sign({k: v for k, v in claims.items() if k not in ("sub", "user_id")}, trusted)
    return "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJl"


#: What Clerk mints for machines with the instance's key: M2M JWTs, and OAuth access tokens.
MACHINE_JWT_KINDS = ("m2m-jwt", "oauth-jwt")
#: The JOSE header category Clerk stamps on M2M JWTs (session tokens carry another, or none).
M2M_JWT_CATEGORY = "cl_B7d4PD333AAA"


_ORG_AND_CATEGORY = ((True, True), (True, False), (False, True), (False, False))


@st.composite
def machine_jwts(
    draw: st.DrawFn, keys: SigningKeys, org_id: str = TRUSTED_ORG, issuer: str | None = None
) -> tuple[str, str]:
    """A JWT Clerk mints for a machine, signed by the instance's key, as ``(kind, token)``:
    an M2M token (header ``cat`` ``cl_B7d4PD333AAA``, or none as before Clerk's rollout of it;
    ``sub`` ``mch_…``, ``jti`` ``mt_…``, its ``scopes``) or an OAuth access token (RFC 9068:
    header ``typ: at+jwt``; ``sub`` the user it acts for, ``client_id``, ``jti`` ``oat_…``,
    ``scp``) — each with ``iss`` and times, and half the time custom claims naming ``org_id``
    and a role, so a verifier that reads it as a session finds everything a session needs;
    ``iss`` is ``issuer`` (default ``ISSUER``). Neither is a session token."""
    kind = draw(st.sampled_from(MACHINE_JWT_KINDS))
    machine, user = draw(clerk_ids("mch")), draw(clerk_ids("user"))
    if kind == "m2m-jwt":
        claims: dict[str, Any] = {
            "sub": machine,
            "jti": draw(clerk_ids("mt")),
            "scopes": f"{draw(clerk_ids('mch'))} {draw(clerk_ids('mch'))}",
        }
        headers: dict[str, Any] = {}
    else:
        claims = {
            "sub": user,
            "client_id": draw(clerk_ids("oac")),
            "jti": draw(clerk_ids("oat")),
            "scp": ["profile", "email"],
        }
        headers = {"typ": draw(st.sampled_from(["at+jwt", "application/at+jwt"]))}
    # Whether custom claims name the org, and (an M2M token) whether the header carries the
    # category Clerk stamps since its rollout (those minted before carry none): one choice, so
    # every combination is as likely (separate booleans come out correlated).
    named_org, stamped = pick(draw, _ORG_AND_CATEGORY)
    if named_org:
        claims.update(org_id=org_id, org_role="org:admin")
    if kind == "m2m-jwt" and stamped:
        headers["cat"] = M2M_JWT_CATEGORY
    payload = {k: v for k, v in with_times(claims, issuer=issuer).items() if k != "azp"}
    key = draw(st.sampled_from(keys.trusted))
    return kind, sign_payload(
        json.dumps(payload, separators=(",", ":")).encode(), key, headers=headers
    )
