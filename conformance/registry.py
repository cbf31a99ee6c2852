"""The invariant table (README, *The invariants*): IDs, severities, titles and their checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from . import subchecks
from .findings import SEVERITIES, SubCheck
from .invariants import (
    cache,
    concurrency,
    identity,
    keys,
    linking,
    machines,
    paths,
    requests,
    session,
    spoof,
    tokens,
    total,
    valid,
)
from .target import Target

CLAIMS = ("claims",)  # claims, or their signed token through the strongest entry point


@dataclass(frozen=True)
class Invariant:
    """One row of the table. ``needs`` lists the contract methods the check calls
    (``"claims"``: any entry point, the strongest one used); ``check`` raises
    ``InvariantViolation`` when one of its sub-checks fails."""

    id: str
    severity: str
    title: str
    needs: tuple[str, ...]
    check: Callable[[Target], None]
    any_of: bool = False  # applicable when the SUT has any (not all) of ``needs``

    @property
    def subchecks(self) -> tuple[SubCheck, ...]:
        """The row's named sub-checks, each with its severity resolved (the row's, unless the
        sub-check says otherwise)."""
        return tuple(
            replace(sub, severity=sub.severity or self.severity)
            for sub in subchecks.SUBCHECKS[self.id]
        )

    def subcheck(self, name: str) -> SubCheck:
        """Sub-check ``name`` (``""``: the row's first); ``KeyError`` when undeclared."""
        declared = self.subchecks
        if not name:
            return declared[0]
        for sub in declared:
            if sub.name == name:
                return sub
        raise KeyError(f"{self.id}/{name} is not a declared sub-check")

    def missing(self, target: Target) -> list[str]:
        """The methods ``target`` lacks for this invariant (empty: applicable)."""
        if self.any_of:
            return [] if any(target.has(m) for m in self.needs) else list(self.needs)
        lacking = []
        for need in self.needs:
            if need == "token":
                ok = bool(target.methods - {"authenticate_claims"})
            else:
                ok = target.claims_capable if need == "claims" else target.has(need)
            if not ok:
                lacking.append(_NEEDS_SAID.get(need, need))
        return lacking


#: A token row's need: ``authenticate_token``, else a request entry point the token is sent to
#: (as Bearer, else relayed), as an HTTP service is reached.
TOKEN = ("token",)
_NEEDS_SAID = {"claims": "an entry point", "token": "entry point that takes a token"}
CALLBACK = ("callback_subject",)
ALL_METHODS = (
    "authenticate_claims",
    "authenticate_token",
    "authenticate_request",
    "callback_subject",
)

INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "ID-FAITHFUL",
        "critical",
        "principal names a user and org the token carries",
        CLAIMS,
        identity.check_id_faithful,
    ),
    Invariant(
        "ID-REQUIRED",
        "critical",
        "no usable org or user id → InvalidClaims",
        CLAIMS,
        identity.check_id_required,
    ),
    Invariant(
        "ID-ORG-PINNED",
        "critical",
        "a token for another org is rejected, whatever is cached",
        CLAIMS,
        identity.check_id_org_pinned,
    ),
    Invariant(
        "ID-UNAMBIGUOUS",
        "high",
        "two users or two orgs in one token → rejected",
        CLAIMS,
        identity.check_id_unambiguous,
    ),
    Invariant(
        "ID-SHAPE-INVARIANT",
        "high",
        "v1, v2 and template claims give the same principal",
        CLAIMS,
        identity.check_id_shape_invariant,
    ),
    Invariant(
        "ROLE-NO-ESCALATION",
        "critical",
        "admin only if every role claim says admin; guest caps",
        CLAIMS,
        session.check_role_no_escalation,
    ),
    Invariant(
        "SESSION-PENDING",
        "high",
        "a pending session never authenticates",
        CLAIMS,
        session.check_session_pending,
    ),
    Invariant(
        "SID-INDEPENDENT",
        "high",
        "sid never changes who you are; session_id echoes it",
        CLAIMS,
        session.check_sid_independent,
    ),
    Invariant(
        "TOTAL",
        "high",
        "a principal or an AuthError, never another exception",
        ALL_METHODS,
        total.check_total,
        any_of=True,
    ),
    Invariant(
        "CACHE-ISOLATION",
        "critical",
        "every login returns its own identity (the seed bug)",
        CLAIMS,
        cache.check_cache_isolation,
    ),
    Invariant(
        "CACHE-KEY-INJECTIVE",
        "critical",
        "identities naive keys confuse never share an entry",
        CLAIMS,
        cache.check_cache_key_injective,
    ),
    Invariant(
        "CACHE-NO-POISON",
        "high",
        "a rejected login changes nothing later logins return",
        CLAIMS,
        cache.check_cache_no_poison,
    ),
    Invariant(
        "CACHE-FRESH",
        "medium",
        "a role change is seen within cache_ttl_s",
        CLAIMS,
        cache.check_cache_fresh,
    ),
    Invariant(
        "CACHE-CONCURRENT",
        "high",
        "CACHE-ISOLATION holds under concurrent logins",
        CLAIMS,
        concurrency.check_cache_concurrent,
    ),
    Invariant(
        "TOKEN-SIGNATURE",
        "critical",
        "only tokens signed by a JWKS key with an allowed alg",
        TOKEN,
        tokens.check_token_signature,
    ),
    Invariant(
        "TOKEN-TIME",
        "high",
        "exp required; exp, nbf, iat checked with leeway",
        TOKEN,
        tokens.check_token_time,
    ),
    Invariant(
        "TOKEN-AUDIENCE",
        "medium",
        "azp and iss checked when configured",
        TOKEN,
        tokens.check_token_audience,
    ),
    Invariant(
        "TOKEN-MALFORMED",
        "high",
        "any malformed string is Unauthorized",
        TOKEN,
        tokens.check_token_malformed,
    ),
    Invariant(
        "CB-RELAYED-FIRST",
        "critical",
        "a relayed form-body token beats ambient credentials",
        CALLBACK,
        requests.check_cb_relayed_first,
    ),
    Invariant(
        "CB-NO-QUERY",
        "critical",
        "a query-string token is never used",
        ("callback_subject", "authenticate_request"),
        requests.check_cb_no_query,
        any_of=True,
    ),
    Invariant(
        "CB-FALLBACK-ORDER",
        "high",
        "without a relayed token: Bearer, then __session",
        CALLBACK,
        requests.check_cb_fallback_order,
    ),
    Invariant(
        "CB-NO-FALLBACK-ON-FAILURE",
        "high",
        "an invalid chosen token fails the login",
        CALLBACK,
        requests.check_cb_no_fallback_on_failure,
    ),
    Invariant(
        "CB-SESSION-TOKENS-ONLY",
        "high",
        "machine tokens never complete a browser login",
        CALLBACK,
        requests.check_cb_session_tokens_only,
    ),
    Invariant(
        "REQ-AMBIENT-ONLY",
        "high",
        "API auth: Bearer then __session; never body or query",
        ("authenticate_request",),
        requests.check_req_ambient_only,
    ),
    Invariant(
        "PATH-CONSISTENT",
        "critical",
        "one token, one verdict through every entry point",
        ("authenticate_request", "callback_subject"),
        paths.check_path_consistent,
        any_of=True,
    ),
    Invariant(
        "KEYS-ISOLATED",
        "critical",
        "another deployment's or a retired key's tokens are refused",
        ("authenticate_token", "authenticate_request", "callback_subject"),
        keys.check_keys_isolated,
        any_of=True,
    ),
    Invariant(
        "IDENTITY-NOT-LINKED",
        "critical",
        "a first login never lands on an existing user by its profile",
        CLAIMS,
        linking.check_identity_not_linked,
    ),
    Invariant(
        "SESSION-TOKENS-ONLY",
        "critical",
        "machine and OAuth tokens never sign in, through any entry point",
        ("authenticate_token", "authenticate_request", "callback_subject"),
        machines.check_session_tokens_only,
        any_of=True,
    ),
    Invariant(
        "VALID-ACCEPTED",
        "medium",
        "every session Clerk mints is accepted",
        CLAIMS,
        valid.check_valid_accepted,
    ),
    Invariant(
        "REQ-NO-SPOOF",
        "critical",
        "nothing beside the credential changes who a request is",
        ("authenticate_request", "callback_subject"),
        spoof.check_req_no_spoof,
        any_of=True,
    ),
)

BY_ID = {invariant.id: invariant for invariant in INVARIANTS}


def lookup(row: str, name: str) -> SubCheck:
    """The declaration of sub-check ``row/name``."""
    return BY_ID[row].subcheck(name)


__all__ = ["BY_ID", "INVARIANTS", "SEVERITIES", "Invariant", "lookup"]
