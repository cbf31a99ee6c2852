"""The strategies produce what their docstrings promise."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance.invariants.total import PROFILE_CLAIMS, odd_profiles
from reference import InvalidClaims, ReferenceAuthenticator, Request, Settings, resolve_identity
from strategies import (
    NAIVE_KEYS,
    ROLE_CLAIM_VALUES,
    SHAPES,
    TRUSTED_ORG,
    ClerkIdentity,
    ConfusablePair,
    adversarial_ids,
    callback_requests,
    clerk_ids,
    confusable_identities,
    identities,
    invalid_session_tokens,
    json_values,
    machine_tokens,
    malformed_claims,
    session_claims,
    signed_tokens,
    signing_keys,
    token_placements,
    tokens_of,
)
from strategies.claims import (
    TEMPLATE_ROLE_PLACES,
    with_template_roles,
    without_template_roles,
)

KEYS = signing_keys()


def test_clerk_ids_shrink_to_the_simplest_realistic_id() -> None:
    assert find(clerk_ids("user"), lambda _: True) == "user_0"
    assert find(clerk_ids("org"), lambda _: True) == "org_0"


@given(clerk_ids("sess"))
def test_clerk_ids_look_like_clerk_ids(value: str) -> None:
    prefix, _, tail = value.partition("_")
    assert prefix == "sess" and tail.isalnum() and 1 <= len(tail) <= 27


@given(adversarial_ids())
def test_adversarial_ids_are_usable_ids(value: str) -> None:
    assert isinstance(value, str) and value


def test_arguments_are_validated() -> None:
    with pytest.raises(InvalidArgument):
        clerk_ids("team")
    with pytest.raises(InvalidArgument):
        confusable_identities(naive="rot13")
    with pytest.raises(InvalidArgument):
        session_claims(ClerkIdentity("org_1", "user_1"), shape="v3")
    with pytest.raises(InvalidArgument):
        malformed_claims(kinds=("missing_everything",))
    with pytest.raises(InvalidArgument):
        callback_requests({"nowhere": "x"})
    with pytest.raises(InvalidArgument):
        token_placements(KEYS, optional=["header"])


@given(identities())
def test_identities_are_complete_and_in_the_trusted_org(who: ClerkIdentity) -> None:
    assert who.is_complete() and who.org_id == TRUSTED_ORG


@pytest.mark.parametrize("naive", sorted(NAIVE_KEYS))
def test_confusable_pairs_are_distinct_yet_collide_under_their_naive_key(naive: str) -> None:
    @given(confusable_identities(naive=naive))
    def check(pair: ConfusablePair) -> None:
        assert pair.naive == naive
        assert (pair.first, pair.sids[0]) != (pair.second, pair.sids[1])
        assert (pair.first.org_id, pair.first.user_id) != (pair.second.org_id, pair.second.user_id)
        first_key, second_key = pair.naive_keys()
        assert first_key == second_key

    check()


@given(identities(), st.sampled_from(SHAPES), st.none() | clerk_ids("sess"), st.data())
def test_session_claims_name_the_identity_in_every_shape(
    who: ClerkIdentity, shape: str, sid: str | None, data: st.DataObject
) -> None:
    claims = data.draw(session_claims(who, shape=shape, sid=sid, role="guest"))
    identity = resolve_identity(claims)
    assert (identity.org_id, identity.external_id) == (who.org_id, who.user_id)
    assert identity.session_id == (sid or "")
    assert identity.role.value == "guest"
    if shape == "v2":
        assert claims["v"] == 2 and claims["o"]["rol"] == "guest" and "org_id" not in claims
    elif shape == "v1":
        assert claims["org_role"] == "org:guest" and "o" not in claims
    else:
        assert claims["role"] in ("guest", "org:guest")


@given(identities(), st.data())
def test_session_claims_leave_out_what_is_none(who: ClerkIdentity, data: st.DataObject) -> None:
    claims = data.draw(session_claims(who, sid=None, role=None, noise=False))
    assert "sid" not in claims and "role" not in claims and "org_role" not in claims
    assert "rol" not in claims.get("o", {})


@given(malformed_claims())
def test_malformed_claims_are_rejected_as_invalid(claims: dict[str, Any]) -> None:
    with pytest.raises(InvalidClaims):
        resolve_identity(claims)


@given(malformed_claims(kinds=("conflicting_user",)))
def test_conflicting_users_really_conflict(claims: dict[str, Any]) -> None:
    assert claims["sub"] != claims["user_id"] and claims["sub"] and claims["user_id"]


@given(
    identities(),
    st.lists(st.sampled_from(ROLE_CLAIM_VALUES), min_size=1),
    st.integers(0, 9),
    st.data(),
)
def test_template_roles_add_only_template_role_claims(
    who: ClerkIdentity, roles: list[Any], shift: int, data: st.DataObject
) -> None:
    base = data.draw(session_claims(who))
    claims = with_template_roles(base, roles, shift)
    assert without_template_roles(claims) == without_template_roles(base)
    first = TEMPLATE_ROLE_PLACES[shift % len(TEMPLATE_ROLE_PLACES)]
    placed = claims[first] if isinstance(first, str) else claims[first[0]][first[1]]
    assert placed == roles[0]
    # The reference reads none of them: the role is the session's own.
    assert resolve_identity(claims).role == resolve_identity(base).role


@given(odd_profiles())
def test_odd_profiles_are_valid_sessions_with_odd_profile_claims(claims: dict[str, Any]) -> None:
    assert any(name in claims for name in PROFILE_CLAIMS)
    resolve_identity(claims)  # still a valid session: only its profile is odd
    assert json.loads(json.dumps(claims)) == claims


@given(json_values())
def test_json_values_are_json(value: object) -> None:
    assert json.loads(json.dumps(value)) == value


@given(signed_tokens({"sub": "user_1", "org_id": "org_1"}, KEYS))
def test_signed_tokens_verify_under_the_published_jwks(token: str) -> None:
    kid = jwt.get_unverified_header(token)["kid"]
    public = jwt.PyJWKSet.from_dict(KEYS.jwks)[kid]
    assert jwt.decode(token, public.key, algorithms=["RS256"])["sub"] == "user_1"


@given(machine_tokens())
def test_machine_tokens_are_not_jwts(token: str) -> None:
    assert token.startswith(("mt_", "oat_", "ak_")) and token.count(".") == 0


@given(identities(adversarial=False), st.data())
def test_invalid_session_tokens_are_rejected(who: ClerkIdentity, data: st.DataObject) -> None:
    claims = data.draw(session_claims(who, role="member", noise=False))
    token = data.draw(invalid_session_tokens(KEYS, claims, org_id=TRUSTED_ORG))
    auth = ReferenceAuthenticator(Settings(org_id=TRUSTED_ORG, jwks=KEYS.jwks))
    assert auth.authenticate_claims(claims).external_id == who.user_id  # the claims are fine
    with pytest.raises(Exception) as caught:
        auth.authenticate_token(token)
    assert type(caught.value).__name__ in ("Unauthorized", "InvalidClaims")


def _cookie_values(request: Request, name: str) -> list[str]:
    pairs = [
        part.strip().split("=", 1)
        for key, value in request.headers
        if key.lower() == "cookie"
        for part in value.split(";")
    ]
    return [v for k, v in pairs if k == name]


@given(st.data())
def test_second_occurrences_always_come_after_the_first(data: st.DataObject) -> None:
    placed = data.draw(
        token_placements(KEYS, required=["body", "bearer", "cookie", "body2", "bearer2", "cookie2"])
    )
    tokens = tokens_of(placed)
    request = data.draw(callback_requests(tokens))
    form = parse_qs(request.body.decode("ascii"))
    assert form["clerk_session_token"] == [tokens["body"], tokens["body2"]]
    bearers = [v.split(" ")[1] for k, v in request.headers if k.lower() == "authorization"]
    assert bearers == [tokens["bearer"], tokens["bearer2"]]
    assert _cookie_values(request, "__session") == [tokens["cookie"], tokens["cookie2"]]


@given(st.data())
def test_callback_requests_put_each_token_in_its_place(data: st.DataObject) -> None:
    placed = data.draw(
        token_placements(KEYS, required=["body", "query", "bearer", "cookie", "decoy"])
    )
    users = [p.identity.user_id for p in placed.values()]
    assert len(set(users)) == len(users), "every place names a different identity"
    tokens = tokens_of(placed)
    request = data.draw(callback_requests(tokens))
    assert request.method == "POST"
    form = parse_qs(request.body.decode("ascii"))
    assert form["clerk_session_token"] == [tokens["body"]]
    assert form["clerk_session_token_x"] == [tokens["decoy"]]
    assert parse_qs(urlsplit(request.target).query)["clerk_session_token"] == [tokens["query"]]
    auth = [v for k, v in request.headers if k.lower() == "authorization"]
    assert len(auth) == 1 and auth[0].split(" ") == [auth[0].split(" ")[0], tokens["bearer"]]
    assert auth[0].split(" ")[0].lower() == "bearer"
    assert _cookie_values(request, "__session") == [tokens["cookie"]]
    content_types = [v for k, v in request.headers if k.lower() == "content-type"]
    assert content_types[0].lower().startswith("application/x-www-form-urlencoded")
