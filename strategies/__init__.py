"""Hypothesis strategies for everything an attacker or a sloppy client can send a Clerk backend.

Use them in your own tests::

    from hypothesis import given
    from strategies import confusable_identities, session_claims

    @given(confusable_identities())
    def test_my_cache_never_confuses(pair): ...

Every name below is public and stable.
"""

from .claims import (
    CLERK_ROLES,
    DRAW,
    MALFORMED_KINDS,
    RESERVED,
    ROLE_CLAIM_VALUES,
    ROLE_NAMES,
    SHAPES,
    json_values,
    malformed_claims,
    noise_claims,
    profile_claims,
    role_claims,
    session_claims,
)
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
from .keys import SigningKey, SigningKeys, signing_keys
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
    INVALID_KINDS,
    MACHINE_PREFIXES,
    invalid_session_tokens,
    machine_tokens,
    sign,
    sign_payload,
    signed_tokens,
    with_times,
)

__all__ = [
    "CALLBACK_PATH",
    "CLERK_ROLES",
    "DRAW",
    "EMAILS",
    "INVALID_KINDS",
    "MACHINE_PREFIXES",
    "MALFORMED_KINDS",
    "NAIVE_KEYS",
    "NULL_WORDS",
    "PLACES",
    "RESERVED",
    "ROLE_CLAIM_VALUES",
    "ROLE_NAMES",
    "SEPARATORS",
    "SHAPES",
    "TRUSTED_ORG",
    "ClerkIdentity",
    "ConfusablePair",
    "Placed",
    "SigningKey",
    "SigningKeys",
    "adversarial_ids",
    "any_ids",
    "api_requests",
    "callback_requests",
    "clerk_ids",
    "confusable_identities",
    "identities",
    "invalid_session_tokens",
    "json_values",
    "machine_tokens",
    "malformed_claims",
    "noise_claims",
    "profile_claims",
    "role_claims",
    "session_claims",
    "sign",
    "sign_payload",
    "signed_tokens",
    "signing_keys",
    "token_placements",
    "tokens_of",
    "with_times",
]
