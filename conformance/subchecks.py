"""Every row's named sub-checks, with their kind and reach (``conformance.findings``).

Reach says who can produce the input a sub-check tries: ``anyone`` (no key, no session: a
forged, malformed or made-up credential), ``user`` (a valid session of their own — replayed,
re-encoded, moved to another place, or a token Clerk mints for everyone, like a v2 guest's),
``issuer`` (only a token the instance's key signed with content Clerk does not mint by
default: template claims, missing or odd registered claims, a megabyte of payload).
"""

from __future__ import annotations

from strategies import (
    AUDIENCE_ATTACKS,
    MALFORMED_ATTACKS,
    SIGNATURE_ATTACKS,
    TIME_ATTACKS,
)

from .findings import SubCheck, completeness, robustness, security

#: Who can build each attack token of ``strategies.ATTACKS``, and (when not the row's) its
#: severity: a property of the finding, not only of the row.
ATTACK_REACH: dict[str, tuple[str, str]] = {
    # signature: forgeries need no key; re-using a genuine signature needs one's own token
    "alg_none": ("anyone", ""),
    "hmac_public_key": ("anyone", ""),
    "untrusted_key": ("anyone", ""),
    "untrusted_key_victim_kid": ("anyone", ""),
    "unknown_kid": ("issuer", "medium"),  # a kid policy: the signature is the trusted key's
    "missing_kid": ("issuer", "medium"),
    "kid_injection": ("anyone", ""),
    "embedded_jwk": ("anyone", ""),
    "jku_url": ("anyone", ""),
    "x5u_url": ("anyone", ""),
    "x5c_chain": ("anyone", ""),
    "tampered_payload": ("user", ""),
    "tampered_header": ("user", ""),
    "reencoded_segment": ("user", "low"),  # a second spelling of one's own token
    "signature_stripped": ("user", ""),
    "signature_truncated": ("user", ""),
    "signature_swapped": ("user", ""),
    "unknown_crit": ("issuer", "medium"),
    "psychic_signature": ("anyone", ""),
    # time: replaying one's own expired token is anyone's with a session; the rest need odd
    # registered claims, which Clerk never mints
    "missing_exp": ("issuer", ""),
    "expired": ("user", ""),
    # the one second (one nanosecond, on a nanosecond clock) at exactly exp + leeway: RFC 7519
    # says expired, many libraries say valid; a boundary, not a hole
    "exp_boundary": ("user", "low"),
    "not_yet_valid": ("issuer", ""),
    "issued_in_future": ("issuer", ""),
    "unreadable_exp": ("issuer", ""),
    "unreadable_nbf": ("issuer", ""),
    "unreadable_iat": ("issuer", ""),
    "huge_exp": ("issuer", ""),
    "huge_nbf": ("issuer", ""),
    "huge_iat": ("issuer", ""),
    # audience: a user signed in through another application of the instance has another azp
    "azp_missing": ("user", ""),
    "azp_unlisted": ("user", ""),
    "azp_not_a_string": ("issuer", ""),
    "iss_mismatch": ("issuer", ""),
    # malformed: cut or garbled strings are anyone's; re-spelling one's own token is a user's;
    # odd payloads need the instance's signature
    "segment_count": ("anyone", ""),
    "empty_segment": ("anyone", ""),
    "bad_base64url": ("user", "low"),
    "whitespace": ("user", "low"),
    "not_json": ("issuer", "medium"),
    "not_an_object": ("issuer", "medium"),
    "non_utf8": ("issuer", "low"),
    "deeply_nested": ("issuer", "medium"),
    "huge": ("issuer", "low"),
}


def sub_name(attack: str) -> str:
    """The sub-check an attack is judged by: its name, hyphenated."""
    return attack.replace("_", "-")


def _attacks(names: tuple[str, ...], title: str) -> tuple[SubCheck, ...]:
    return tuple(
        security(sub_name(name), ATTACK_REACH[name][0], title.format(name), ATTACK_REACH[name][1])
        for name in names
    )


#: The severity of a credential read from a lower-precedence or look-alike place: the one who
#: planted it there (a cookie from a sibling subdomain, a second header) makes the victim act as
#: the planter — a login-CSRF, not the victim's identity.
LOGIN_CSRF = "medium"

#: The condition of the machine-JWT sub-checks, said in their title and in each finding.
MACHINE_JWTS_CONDITION = (
    "(conditional: where the instance issues M2M or OAuth access tokens as JWTs carrying org "
    "claims)"
)

_CRASH = robustness("crash", "anyone", "a principal or an AuthError, never another exception")

#: Which ambient credential is read (CB-FALLBACK-ORDER, REQ-AMBIENT-ONLY).
_AMBIENT = (
    # planting a cookie or a header on a victim's requests: the victim acts as the planter
    security("lower-precedence", "user", "the cookie never beats a Bearer token", LOGIN_CSRF),
    security(
        "later-occurrence",
        "user",
        "a second header or cookie never beats the first",
        LOGIN_CSRF,
    ),
    security("decoy-cookie", "user", "a look-alike cookie is never read as __session", LOGIN_CSRF),
    security("without-credential", "anyone", "no usable credential → refused"),
    completeness("bearer-refused", "user", "a valid Bearer token signs in"),
    completeness("bearer-scheme-case", "user", "the Bearer scheme in any case signs in"),
    completeness("cookie-refused", "user", "a valid __session cookie signs in"),
    completeness("cookie-split", "user", "__session in a second Cookie field signs in", "low"),
    robustness("error-class", "anyone", "no usable credential → Unauthorized", "low"),
)

SUBCHECKS: dict[str, tuple[SubCheck, ...]] = {
    "ID-FAITHFUL": (
        security("user-from-token", "user", "external_id is a usable sub/user_id value"),
        security("org-configured", "user", "org_id is the configured org"),
        security("org-from-token", "user", "org_id is a usable org_id/o.id value"),
    ),
    "ID-REQUIRED": (
        security("missing-org", "user", "a session without a usable org is refused"),
        security("missing-user", "issuer", "claims without a usable user id are refused"),
        robustness("error-class", "user", "no usable org or user id → InvalidClaims", "low"),
    ),
    "ID-ORG-PINNED": (security("foreign-org", "user", "a session in another org is refused"),),
    "ID-UNAMBIGUOUS": (
        security("two-users", "issuer", "sub ≠ user_id is refused"),
        security("two-orgs", "issuer", "org_id ≠ o.id is refused"),
    ),
    "ID-SHAPE-INVARIANT": (
        security("clerk-shapes", "user", "v1 and v2 claims of one session give one principal"),
        security("template-shape", "issuer", "template claims give the v1/v2 principal"),
    ),
    "ROLE-NO-ESCALATION": (
        security("clerk-role", "user", "Clerk's own role claim (v1 or v2) maps to its role"),
        security("guest-caps", "issuer", "any guest role claim caps the role at GUEST"),
        security("admin-only-if-all", "issuer", "ADMIN only when every role claim says admin"),
    ),
    "SESSION-PENDING": (
        security("pending-refused", "user", 'a session with sts "pending" is refused'),
    ),
    "SID-INDEPENDENT": (
        security("sid-changes-who", "user", "changing only the sid never changes who it is"),
        security("shared-sid", "user", "another user presenting one's sid gets their own login"),
        robustness("session-id-echo", "user", "session_id echoes the token's sid", "low"),
    ),
    "TOTAL": (_CRASH,),
    "CACHE-ISOLATION": (
        security("own-identity", "user", "every login returns its own identity"),
        security("history", "user", "over long login histories, each login is its own"),
        security("crowd", "user", "among thousands of distinct identities, each login is its own"),
    ),
    "CACHE-KEY-INJECTIVE": (
        security("confusable", "issuer", "identities naive keys confuse never share an entry"),
        security("unacceptable", "issuer", "a confusable login that must fail, fails"),
    ),
    "CACHE-NO-POISON": (
        security("rejected-changes-nothing", "user", "a rejected login changes nothing later"),
        security("history", "user", "over long histories, rejected logins change nothing"),
    ),
    "CACHE-FRESH": (
        security("role-within-ttl", "user", "a role change is seen within cache_ttl_s"),
        security("history", "user", "over long histories, no role is older than the TTL"),
    ),
    "CACHE-CONCURRENT": (
        security("race", "user", "concurrent logins each return their own identity"),
        security("same-new-user", "user", "racing first logins of one identity make one user"),
        completeness("refused-in-race", "user", "no login is refused for racing its own twin"),
    ),
    "TOKEN-SIGNATURE": _attacks(SIGNATURE_ATTACKS, "the {0} forgery is refused"),
    "TOKEN-TIME": (
        *_attacks(TIME_ATTACKS, "the {0} token is refused"),
        security(
            "expired-replay",
            "user",
            "a token accepted once is refused a second or more after exp + leeway",
        ),
        completeness("within-leeway", "user", "a token valid within the leeway is accepted"),
    ),
    "TOKEN-AUDIENCE": (
        *_attacks(AUDIENCE_ATTACKS, "the {0} token is refused"),
        completeness("listed-party", "user", "a token for any listed party is accepted"),
    ),
    "TOKEN-MALFORMED": (
        *_attacks(MALFORMED_ATTACKS, "the {0} token is refused"),
        robustness("error-class", "anyone", "a malformed token is Unauthorized", "low"),
    ),
    "CB-RELAYED-FIRST": (
        security("other-place-used", "user", "a relayed token beats every other place"),
        security("later-occurrence", "user", "a second relay field never beats the first"),
        completeness("relayed-refused", "user", "a valid relayed token signs in"),
    ),
    "CB-NO-QUERY": (security("query", "user", "a query-string token is never used"),),
    "CB-FALLBACK-ORDER": _AMBIENT,
    "CB-NO-FALLBACK-ON-FAILURE": (
        security("fallback", "anyone", "an invalid chosen token fails the login"),
    ),
    "CB-SESSION-TOKENS-ONLY": (
        security("machine-token", "anyone", "machine tokens never complete a browser login"),
    ),
    "REQ-AMBIENT-ONLY": (
        security("body", "user", "API auth never reads the body"),
        security("query", "user", "API auth never reads the query"),
        *_AMBIENT,
    ),
    "PATH-CONSISTENT": (
        security("refused-elsewhere", "user", "a token one entry point refuses, every one refuses"),
        security(
            "principal-differs", "user", "every entry point that accepts names one user, org, role"
        ),
    ),
    "KEYS-ISOLATED": (
        security("other-deployment", "user", "another deployment's token is refused"),
        security("same-kid", "user", "another deployment's token under one of our kids is refused"),
        security("retired-key", "user", "a key a rotation dropped is refused by newer instances"),
    ),
    "SESSION-TOKENS-ONLY": (
        security("opaque", "anyone", "an opaque mt_, oat_ or ak_ token never signs in"),
        # conditional: only where the instance issues such JWTs with org claims; what the
        # holder gains is a user session beyond the machine's or the OAuth grant's scope
        security(
            "m2m-jwt",
            "user",
            "an M2M JWT the instance's key signed never signs in " + MACHINE_JWTS_CONDITION,
            "high",
        ),
        security(
            "oauth-jwt",
            "user",
            "an OAuth access-token JWT (at+jwt) never signs in " + MACHINE_JWTS_CONDITION,
            "high",
        ),
    ),
    "REQ-NO-SPOOF": (
        security("header", "user", "no header beside the credential changes who it is"),
        security("cookie", "user", "no cookie beside the credential changes who it is"),
        security("param", "user", "no query or form parameter changes who it is"),
    ),
}
