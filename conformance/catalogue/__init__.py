"""The catalogue of known-flawed implementations: each module exposes ``make(settings)`` and
``VIOLATES``, the invariant IDs the conformance suite must catch it violating.

    pytest --pyargs conformance --sut conformance.catalogue.upstream_before_fix:make
"""

from __future__ import annotations

import importlib
from types import ModuleType

ENTRIES = (
    "upstream_before_fix",
    "upstream_after_fix",
    "separator_key",
    "casefold_key",
    "email_key",
    "query_token",
    "cookie_fallback",
    "cookie_first",
    "last_occurrence",
    "api_token_callback",
    "session_scoped_user",
    "writes_before_validation",
    "trusting_parser",
    "no_exp_required",
    "hour_leeway",
    "hs256_public_key",
    "embedded_jwk",
    "every_key",
    "azp_when_present",
    "peeking_decoder",
    "eternal_cache",
    "shared_current_user",
    "caches_rejections",
    "sliding_role_cache",
)


def load(name: str) -> ModuleType:
    """The catalogue module ``name``."""
    return importlib.import_module(f"{__name__}.{name}")


def sut_spec(name: str) -> str:
    """The ``--sut`` spec of entry ``name``."""
    return f"{__name__}.{name}:make"


def violations(name: str) -> frozenset[str]:
    """The invariant IDs entry ``name`` declares it violates."""
    return frozenset(load(name).VIOLATES)
