"""Hypothesis strategies for everything an attacker or a sloppy client can send a Clerk backend.

Use them in your own tests::

    from hypothesis import given
    from strategies import confusable_identities, session_claims

    @given(confusable_identities())
    def test_my_cache_never_confuses(pair): ...

Every name below is public and stable.
"""

from .attacks import (
    ATTACK_NAMES,
    ATTACKS,
    AUDIENCE_ATTACKS,
    MALFORMED_ATTACKS,
    SIGNATURE_ATTACKS,
    TIME_ATTACKS,
    TIMELY_CASES,
    Attack,
    Scene,
    timely_tokens,
    token_attacks,
)
from .claims import (
    CLERK_ROLES,
    DRAW,
    MALFORMED_KINDS,
    RESERVED,
    ROLE_CLAIM_VALUES,
    ROLE_NAMES,
    SHAPES,
    draw_session_claims,
    json_values,
    malformed_claims,
    noise_claims,
    profile_claims,
    role_claims,
    session_claims,
)
from .clock import EPOCH, Clock, frozen_clock, timestamp
from .history import CHECKS, HistoryViolation, login_history_machine
from .identities import (
    EMAILS,
    NAIVE_KEYS,
    TRUSTED_ORG,
    ClerkIdentity,
    ConfusablePair,
    confusable_identities,
    identities,
)
from .ids import NULL_WORDS, SEPARATORS, adversarial_ids, any_ids, clerk_ids
from .keys import (
    SigningKey,
    SigningKeys,
    jwks_of,
    other_deployment_keys,
    reusing_kids,
    signing_keys,
)
from .requests import (
    CALLBACK_PATH,
    PLACES,
    Placed,
    api_requests,
    callback_requests,
    token_placements,
    tokens_of,
)
from .tokens import (
    AUTHORIZED_PARTIES,
    INVALID_KINDS,
    ISSUER,
    MACHINE_JWT_KINDS,
    MACHINE_PREFIXES,
    invalid_session_tokens,
    machine_jwts,
    machine_tokens,
    sign,
    sign_payload,
    signed_tokens,
    with_times,
)

__all__ = [
    "ATTACKS",
    "ATTACK_NAMES",
    "AUDIENCE_ATTACKS",
    "AUTHORIZED_PARTIES",
    "CALLBACK_PATH",
    "CHECKS",
    "CLERK_ROLES",
    "DRAW",
    "EMAILS",
    "EPOCH",
    "INVALID_KINDS",
    "ISSUER",
    "MACHINE_JWT_KINDS",
    "MACHINE_PREFIXES",
    "MALFORMED_ATTACKS",
    "MALFORMED_KINDS",
    "NAIVE_KEYS",
    "NULL_WORDS",
    "PLACES",
    "RESERVED",
    "ROLE_CLAIM_VALUES",
    "ROLE_NAMES",
    "SEPARATORS",
    "SHAPES",
    "SIGNATURE_ATTACKS",
    "TIMELY_CASES",
    "TIME_ATTACKS",
    "TRUSTED_ORG",
    "Attack",
    "ClerkIdentity",
    "Clock",
    "ConfusablePair",
    "HistoryViolation",
    "Placed",
    "Scene",
    "SigningKey",
    "SigningKeys",
    "adversarial_ids",
    "any_ids",
    "api_requests",
    "callback_requests",
    "clerk_ids",
    "confusable_identities",
    "draw_session_claims",
    "frozen_clock",
    "identities",
    "invalid_session_tokens",
    "json_values",
    "jwks_of",
    "login_history_machine",
    "machine_jwts",
    "machine_tokens",
    "malformed_claims",
    "noise_claims",
    "other_deployment_keys",
    "profile_claims",
    "reusing_kids",
    "role_claims",
    "session_claims",
    "sign",
    "sign_payload",
    "signed_tokens",
    "signing_keys",
    "timely_tokens",
    "timestamp",
    "token_attacks",
    "token_placements",
    "tokens_of",
    "with_times",
]
