"""The catalogue of known-flawed implementations: each module exposes ``make(settings)`` and
``VIOLATES``, what the conformance suite must catch it violating — rows (``"TOKEN-TIME"``) or,
to name the finding itself, sub-checks (``"TOKEN-TIME/missing-exp"``, whose row it implies).
``INCONCLUSIVE`` (optional) names the rows it may leave undecided, or ``"all"``.

    pytest --pyargs conformance --sut conformance.catalogue.upstream_before_fix:make
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..registry import BY_ID

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
    "inclusive_exp",
    "hs256_public_key",
    "embedded_jwk",
    "every_key",
    "azp_when_present",
    "peeking_decoder",
    "eternal_cache",
    "shared_current_user",
    "caches_rejections",
    "sliding_role_cache",
    "prefix_cookie",
    "bearer_only",
    "first_cookie_field",
    "body_token_api",
    "anonymous_guest",
    "missing_token_invalid",
    "no_leeway",
    "first_party_only",
    "default_org",
    "casefold_org",
    "no_template_role",
    "template_role_member",
    "case_sensitive_scheme",
    "middleware_skips_pending",
    "middleware_v1_roles",
    "kid_cache_fallback",
    "kid_cache_shared",
    "racy_user_create",
    "racy_unique_insert",
    "ignores_token_class",
    "machine_keys_signed_in",
    "org_header_fallback",
    "org_query_param",
    "db_jwt_cookie",
    "truncated_hash_key",
    "ring_cache",
    "user_sid_key",
    "link_by_email",
    "link_by_username",
    "hour_jwks_cache",
    "jwks_refetch_on_miss",
    "token_hash_cache",
    "sid_session_cache",
    "deny_all",
    "clerk_issuer_required",
    "fixed_leeway",
    "requires_sid",
    "v1_only",
    "oversize_v2",
    "undeclared_leeway",
    "no_audience_pins",
    "metadata_roles_admin",
    "metadata_role_string",
    "any_scheme",
    "bare_token",
    "lower_email",
    "null_username",
    "pem_prefix_sniff",
    "pkcs1_as_secret",
    "getkey_none_alg",
    "empty_secret_on_miss",
    "forgives_expired",
    "forgives_early",
    "any_rsa_algorithm",
    "rs_hash_from_header",
    "all_org_claims_or_none",
    "string_org_claims",
    "v2_per_required",
    "v2_fea_required",
    "i32_times",
    "i32_clock",
    "cookie_unpack",
    "bearer_index",
    "ascii_header",
    "unreadable_authorization",
    "bare_scheme_cookie",
    "permission_split",
    "version_compare",
    "fpm_per_feature",
)


def load(name: str) -> ModuleType:
    """The catalogue module ``name``."""
    return importlib.import_module(f"{__name__}.{name}")


def sut_spec(name: str) -> str:
    """The ``--sut`` spec of entry ``name``."""
    return f"{__name__}.{name}:make"


def entry_name(spec: str) -> str | None:
    """The entry a ``--sut`` spec names, or None when it names no catalogue module."""
    module = spec.partition(":")[0]
    prefix = f"{__name__}."
    return module[len(prefix) :] if module.startswith(prefix) else None


def violations(name: str) -> frozenset[str]:
    """The rows and sub-checks entry ``name`` declares it violates."""
    return frozenset(load(name).VIOLATES)


def violated_rows(name: str) -> frozenset[str]:
    """The rows entry ``name`` declares it violates (a sub-check names its row)."""
    return frozenset(declared.partition("/")[0] for declared in violations(name))


def inconclusive(name: str) -> frozenset[str]:
    """The rows entry ``name`` may leave undecided (``"all"``: every row it does not violate)."""
    declared = getattr(load(name), "INCONCLUSIVE", ())
    if declared == "all":
        return frozenset(BY_ID) - violated_rows(name)
    return frozenset(declared)


def strict(name: str) -> str:
    """The strictness entry ``name`` is correct despite (``STRICT``; ``""``: none): it holds
    every row it can decide, its only findings the completeness ones it declares."""
    return str(getattr(load(name), "STRICT", ""))


def audited_rows(name: str) -> frozenset[str]:
    """The rows the default self-check runs entry ``name`` on: the rows it declares violating —
    or every row, for an entry whose claim is about every row (one that refuses everything, or
    a correct variant that declares no violation, or a correct but strict one)."""
    if not violations(name) or getattr(load(name), "INCONCLUSIVE", ()) == "all" or strict(name):
        return frozenset(BY_ID)
    return violated_rows(name)
