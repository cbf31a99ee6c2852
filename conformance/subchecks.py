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

#: Who can build each attack token of ``strategies.ATTACKS``, (when not the row's) its severity
#: — a property of the finding, not only of the row — and its fix hint: what to change in an
#: implementation that accepts it.
ATTACK_REACH: dict[str, tuple[str, str, str]] = {
    # signature: forgeries need no key; re-using a genuine signature needs one's own token
    "alg_none": (
        "anyone", "", "pin the algorithm list to RS256 and never take `alg` from the header"
    ),
    "hmac_public_key": (
        "anyone", "", "verify with the RSA key and algorithms=['RS256'] only, never HS* with it"
    ),
    "untrusted_key": (
        "anyone", "", "verify only with the keys of your instance's JWKS (or CLERK_JWT_KEY)"
    ),
    "untrusted_key_victim_kid": (
        "anyone", "", "verify with the JWKS key the `kid` names: a known kid proves nothing"
    ),
    "unknown_kid": ("issuer", "medium", "refuse a `kid` the JWKS does not list, trying no other"),
    "missing_kid": ("issuer", "medium", "require a `kid` and verify with that JWKS key alone"),
    "kid_injection": (
        "anyone", "", "look `kid` up in the parsed JWKS only, never as a path, query or HMAC secret"
    ),
    "embedded_jwk": ("anyone", "", "ignore the `jwk` header: verify only with your JWKS's keys"),
    "jku_url": ("anyone", "", "ignore `jku`: fetch keys only from your configured JWKS URL"),
    "x5u_url": ("anyone", "", "ignore `x5u`: never fetch a key from a URL the token names"),
    "x5c_chain": ("anyone", "", "ignore `x5c`: never verify with a certificate the token carries"),
    "tampered_payload": (
        "user", "", "verify the signature over the received header.payload before reading a claim"
    ),
    "tampered_header": (
        "user", "", "verify the signature over the received header.payload text, header included"
    ),
    "reencoded_segment": (  # a second spelling of one's own token
        "user", "low", "verify the segments verbatim; decode base64url strictly (no =, no +/)"
    ),
    "signature_stripped": (
        "user", "", "require a signature and verify it; never decode claims unverified"
    ),
    "signature_truncated": ("user", "", "verify the whole signature; refuse a short one"),
    "signature_swapped": (
        "user", "", "verify each token's own signature over its own header.payload, uncached"
    ),
    "unknown_crit": (
        "issuer", "medium", "refuse a `crit` header naming an extension you do not implement"
    ),
    "psychic_signature": (
        "anyone", "", "pin RS256, or use an ECDSA verifier refusing r or s of 0 (CVE-2022-21449)"
    ),
    # time: replaying one's own expired token is anyone's with a session; the rest need odd
    # registered claims, which Clerk never mints
    "missing_exp": ("issuer", "", "require `exp` (PyJWT: options={'require': ['exp', 'iat']})"),
    "expired": ("user", "", "refuse once now >= exp + leeway, reading the clock at every call"),
    # the one second (one nanosecond, on a nanosecond clock) at exactly exp + leeway: RFC 7519
    # says expired, many libraries say valid; a boundary, not a hole
    "exp_boundary": (
        "user", "low", "treat now == exp + leeway as expired (RFC 7519: valid only before exp)"
    ),
    "not_yet_valid": ("issuer", "", "check `nbf` when present: refuse while now < nbf - leeway"),
    "issued_in_future": ("issuer", "", "refuse an `iat` later than now + leeway"),
    **{  # one per time claim, as strategies.attacks registers them
        f"{kind}_{claim}": ("issuer", "", fix.format(claim))
        for kind, fix in (
            ("unreadable", "refuse an `{}` that is not a JSON number; never skip it"),
            ("huge", "compare `{}` as a finite number; refuse inf, NaN and overflow"),
        )
        for claim in ("exp", "nbf", "iat")
    },
    # audience: a user signed in through another application of the instance has another azp
    "azp_missing": (
        "user", "", "with authorized parties configured, require `azp` and refuse a token without"
    ),
    "azp_unlisted": ("user", "", "accept only an `azp` exactly equal to a listed party"),
    "azp_not_a_string": ("issuer", "", "refuse an `azp` that is not a string (a list, a number)"),
    "iss_mismatch": ("issuer", "", "require `iss` to equal the pinned issuer exactly, untrimmed"),
    # malformed: cut or garbled strings are anyone's; re-spelling one's own token is a user's;
    # odd payloads need the instance's signature
    "segment_count": ("anyone", "", "accept exactly three dot-separated segments (compact JWS)"),
    "empty_segment": ("anyone", "", "refuse an empty header, payload or signature segment"),
    "bad_base64url": ("user", "low", "decode base64url strictly: no padding, no +/, no stray bits"),
    "whitespace": ("user", "low", "refuse a token with any whitespace instead of stripping it"),
    "not_json": ("issuer", "medium", "refuse a header or payload that is not JSON"),
    "not_an_object": ("issuer", "medium", "refuse a header or payload that is not a JSON object"),
    "non_utf8": ("issuer", "low", "decode the payload as strict UTF-8 and refuse what is not"),
    "deeply_nested": (
        "issuer", "medium", "bound the JSON depth, or catch RecursionError as Unauthorized"
    ),
    "huge": ("issuer", "low", "refuse a token over a size limit (e.g. 8 KiB) before parsing it"),
}  # fmt: skip


def sub_name(attack: str) -> str:
    """The sub-check an attack is judged by: its name, hyphenated."""
    return attack.replace("_", "-")


def _attacks(names: tuple[str, ...], title: str) -> tuple[SubCheck, ...]:
    return tuple(
        security(sub_name(name), reach, title.format(name), severity, fix=fix)
        for name in names
        for reach, severity, fix in [ATTACK_REACH[name]]
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

_CRASH = robustness(
    "crash",
    "anyone",
    "a principal or an AuthError, never another exception",
    fix="catch every parse and lookup error at the boundary and raise Unauthorized/InvalidClaims",
)

#: Which ambient credential is read (CB-FALLBACK-ORDER, REQ-AMBIENT-ONLY).
_AMBIENT = (
    # planting a cookie or a header on a victim's requests: the victim acts as the planter
    security(
        "lower-precedence",
        "user",
        "the cookie never beats a Bearer token",
        LOGIN_CSRF,
        fix="use the Bearer token when one is present; read __session only without one",
    ),
    security(
        "later-occurrence",
        "user",
        "a second header or cookie never beats the first",
        LOGIN_CSRF,
        fix="take the first Authorization header and first __session cookie, or refuse repeats",
    ),
    security(
        "decoy-cookie",
        "user",
        "a look-alike cookie is never read as __session",
        LOGIN_CSRF,
        fix="read the cookie named exactly __session (no prefix, suffix or case match)",
    ),
    security(
        "without-credential",
        "anyone",
        "no usable credential → refused",
        fix="refuse a request without a Bearer token or __session cookie; no anonymous default",
    ),
    completeness(
        "bearer-refused",
        "user",
        "a valid Bearer token signs in",
        fix="read `Authorization: Bearer <token>` and verify that token",
    ),
    completeness(
        "bearer-scheme-case",
        "user",
        "the Bearer scheme in any case signs in",
        fix="match the auth scheme case-insensitively (RFC 9110: `bearer`, `BEARER`)",
    ),
    completeness(
        "cookie-refused",
        "user",
        "a valid __session cookie signs in",
        fix="without a Bearer token, read and verify the __session cookie",
    ),
    completeness(
        "cookie-split",
        "user",
        "__session in a second Cookie field signs in",
        "low",
        fix="parse every Cookie header field, not only the first",
    ),
    robustness(
        "error-class",
        "anyone",
        "no usable credential → Unauthorized",
        "low",
        fix="raise Unauthorized (not InvalidClaims or another error) when no credential is usable",
    ),
)

SUBCHECKS: dict[str, tuple[SubCheck, ...]] = {
    "ID-FAITHFUL": (
        security(
            "user-from-token",
            "user",
            "external_id is a usable sub/user_id value",
            fix="take external_id from a non-empty string `sub`/`user_id`; never str() a value",
        ),
        security(
            "org-configured",
            "user",
            "org_id is the configured org",
            fix="return the configured org_id, after checking the token's org equals it",
        ),
        security(
            "org-from-token",
            "user",
            "org_id is a usable org_id/o.id value",
            fix="take the org from a non-empty string `org_id`/`o.id`; never str() a value",
        ),
    ),
    "ID-REQUIRED": (
        security(
            "missing-org",
            "user",
            "a session without a usable org is refused",
            fix="raise InvalidClaims when neither `org_id` nor `o.id` is a non-empty string",
        ),
        security(
            "missing-user",
            "issuer",
            "claims without a usable user id are refused",
            fix="raise InvalidClaims when neither `sub` nor `user_id` is a non-empty string",
        ),
        robustness(
            "error-class",
            "user",
            "no usable org or user id → InvalidClaims",
            "low",
            fix="raise InvalidClaims for a missing or malformed org or user id",
        ),
    ),
    "ID-ORG-PINNED": (
        security(
            "foreign-org",
            "user",
            "a session in another org is refused",
            fix="compare the token's org to the configured org_id exactly, before any cache",
        ),
    ),
    "ID-UNAMBIGUOUS": (
        security(
            "two-users",
            "issuer",
            "sub ≠ user_id is refused",
            fix="read every user-id claim present (`sub`, `user_id`) and refuse when they differ",
        ),
        security(
            "two-orgs",
            "issuer",
            "org_id ≠ o.id is refused",
            fix="read every org claim present (`org_id`, `o.id`) and refuse when they differ",
        ),
    ),
    "ID-SHAPE-INVARIANT": (
        security(
            "clerk-shapes",
            "user",
            "v1 and v2 claims of one session give one principal",
            fix="read v2's nested `o` (`o.id`, `o.rol`) as well as v1's `org_id`, `org_role`",
        ),
        security(
            "template-shape",
            "issuer",
            "template claims give the v1/v2 principal",
            fix="read `user_id`/`role` template claims with the same rules as `sub`/`org_role`",
        ),
        completeness(
            "lower-role",
            "user",
            "no shape is read as a lower role than the others (fail-safe, yet a wrong principal)",
            "low",
            fix="map `org_role`, `o.rol` and a template's `role` with one function",
        ),
    ),
    "ROLE-NO-ESCALATION": (
        security(
            "clerk-role",
            "user",
            "Clerk's own role claim (v1 or v2) maps to its role",
            fix="map `org_role`/`o.rol` (strip `org:`): admin → ADMIN, member → VIEWER, else GUEST",
        ),
        security(
            "guest-caps",
            "issuer",
            "any guest role claim caps the role at GUEST",
            fix="read every role claim (`role`, `org_role`, `o.rol`); any guest makes GUEST",
        ),
        security(
            "admin-only-if-all",
            "issuer",
            "ADMIN only when every role claim says admin",
            fix="grant ADMIN only when every role claim present says admin; unknown → GUEST",
        ),
        # a template maps metadata into the token; where it maps unsafe_metadata, users write it
        security(
            "metadata-role",
            "issuer",
            "a template role (roles, metadata.role(s), public_metadata.role(s)) never raises it",
            fix="take the org role from `org_role`/`o.rol` (and `role`); never grant from metadata",
        ),
    ),
    "SESSION-PENDING": (
        security(
            "pending-refused",
            "user",
            'a session with sts "pending" is refused',
            fix='refuse a token whose `sts` is "pending" (Unauthorized): it is not signed in yet',
        ),
    ),
    "SID-INDEPENDENT": (
        security(
            "sid-changes-who",
            "user",
            "changing only the sid never changes who it is",
            fix="never key users, caches or roles by `sid`: identity is (org_id, user id)",
        ),
        security(
            "shared-sid",
            "user",
            "another user presenting one's sid gets their own login",
            fix="drop `sid` from every cache key; key by the (org_id, user id) tuple",
        ),
        robustness(
            "session-id-echo",
            "user",
            "session_id echoes the token's sid",
            "low",
            fix='set session_id from the current token\'s `sid` ("" without one), never a cache',
        ),
    ),
    "TOTAL": (
        _CRASH,
        robustness(
            "profile-claims",
            "issuer",
            "non-string or nested profile claims (email, name, username, metadata) never crash",
            fix="treat profile claims as untyped data: check the type before .lower(), .get(), …",
        ),
    ),
    "VALID-ACCEPTED": (
        completeness(
            "v1",
            "user",
            "a v1 session as Clerk mints it (flat `org_id`, `org_role`) is accepted",
            fix="read v1's flat claims: `sub`, `org_id`, `org_role`, `sid`",
        ),
        completeness(
            "v2",
            "user",
            "a v2 session as Clerk mints it (nested `o`) is accepted",
            fix="read v2's nested `o` (`o.id`, `o.rol`, optional `o.per`/`o.fpm`) beside v1's",
        ),
    ),
    "CACHE-ISOLATION": (
        security(
            "own-identity",
            "user",
            "every login returns its own identity",
            fix="key the cache by the (org_id, user id) tuple, never by `sid` or a joined string",
        ),
        security(
            "history",
            "user",
            "over long login histories, each login is its own",
            fix="key the cache by the (org_id, user id) tuple; look entries up by the full key",
        ),
        security(
            "crowd",
            "user",
            "among thousands of distinct identities, each login is its own",
            fix="key the cache by the full (org_id, user id) tuple, never a hash or prefix of it",
        ),
    ),
    "CACHE-KEY-INJECTIVE": (
        security(
            "confusable",
            "issuer",
            "identities naive keys confuse never share an entry",
            fix="key by the (org_id, user id) tuple: no joining, case folding, trimming or NFC",
        ),
        security(
            "unacceptable",
            "issuer",
            "a confusable login that must fail, fails",
            fix="validate every claim before the cache lookup; a cached look-alike never answers",
        ),
    ),
    "CACHE-NO-POISON": (
        security(
            "rejected-changes-nothing",
            "user",
            "a rejected login changes nothing later",
            fix="write the cache and user store only after the whole login succeeded",
        ),
        security(
            "history",
            "user",
            "over long histories, rejected logins change nothing",
            fix="write the cache only after full success; never on a refused login",
        ),
        completeness(
            "locked-out",
            "anyone",
            "a rejected login never gets a later valid login refused",
            fix="never remember a refused login against the user it names: anyone can send one",
        ),
    ),
    "CACHE-FRESH": (
        security(
            "role-within-ttl",
            "user",
            "a role change is seen within cache_ttl_s",
            fix="take the role from the current token, or expire entries after cache_ttl_s",
        ),
        security(
            "history",
            "user",
            "over long histories, no role is older than the TTL",
            fix="store the time of each entry and drop it once older than cache_ttl_s",
        ),
    ),
    "CACHE-CONCURRENT": (
        security(
            "race",
            "user",
            "concurrent logins each return their own identity",
            fix="keep no per-request state in shared fields; guard the cache with a lock",
        ),
        security(
            "same-new-user",
            "user",
            "racing first logins of one identity make one user",
            fix="make get-or-create atomic (one lock, or a unique key in the store)",
        ),
        completeness(
            "refused-in-race",
            "user",
            "no login is refused for racing its own twin",
            fix="on a get-or-create conflict, read the winner's user instead of failing",
        ),
    ),
    "TOKEN-SIGNATURE": _attacks(SIGNATURE_ATTACKS, "the {0} forgery is refused"),
    "TOKEN-TIME": (
        *_attacks(TIME_ATTACKS, "the {0} token is refused"),
        security(
            "expired-replay",
            "user",
            "a token accepted once is refused a second or more after exp + leeway",
            fix="check `exp` on every call with the current clock, even for a cached user",
        ),
        completeness(
            "within-leeway",
            "user",
            "a token valid within the leeway is accepted",
            fix="apply the configured leeway to `exp`, `nbf` and `iat` (PyJWT: leeway=...)",
        ),
    ),
    "TOKEN-AUDIENCE": (
        *_attacks(AUDIENCE_ATTACKS, "the {0} token is refused"),
        completeness(
            "listed-party",
            "user",
            "a token for any listed party is accepted",
            fix="accept an `azp` equal to any configured authorized party, not only the first",
        ),
    ),
    "TOKEN-MALFORMED": (
        *_attacks(MALFORMED_ATTACKS, "the {0} token is refused"),
        robustness(
            "error-class",
            "anyone",
            "a malformed token is Unauthorized",
            "low",
            fix="raise Unauthorized for a token that cannot be parsed, not InvalidClaims",
        ),
    ),
    "CB-RELAYED-FIRST": (
        security(
            "other-place-used",
            "user",
            "a relayed token beats every other place",
            fix="use the form field clerk_session_token when present; headers and cookies after",
        ),
        security(
            "later-occurrence",
            "user",
            "a second relay field never beats the first",
            fix="take the first clerk_session_token form field, or refuse repeats",
        ),
        completeness(
            "relayed-refused",
            "user",
            "a valid relayed token signs in",
            fix="read clerk_session_token from a POST x-www-form-urlencoded body and verify it",
        ),
    ),
    "CB-NO-QUERY": (
        security(
            "query",
            "user",
            "a query-string token is never used",
            fix="never read a token from the URL query: it leaks into logs and Referer",
        ),
    ),
    "CB-FALLBACK-ORDER": _AMBIENT,
    "CB-NO-FALLBACK-ON-FAILURE": (
        security(
            "fallback",
            "anyone",
            "an invalid chosen token fails the login",
            fix="choose the token by place first, then verify it; on failure refuse, never retry",
        ),
    ),
    "CB-SESSION-TOKENS-ONLY": (
        security(
            "machine-token",
            "anyone",
            "machine tokens never complete a browser login",
            fix="accept only a session JWT in the callback; refuse mt_, oat_ and ak_ tokens",
        ),
    ),
    "REQ-AMBIENT-ONLY": (
        security(
            "body",
            "user",
            "API auth never reads the body",
            fix="read API credentials only from Authorization and __session, never the body",
        ),
        security(
            "query",
            "user",
            "API auth never reads the query",
            fix="read API credentials only from Authorization and __session, never the query",
        ),
        *_AMBIENT,
        # one's own token under another name; the harm is in what treats schemes differently
        security(
            "scheme",
            "user",
            "a token under any scheme but Bearer (Basic, Token, none) is refused",
            "low",
            fix="read a token only after the `Bearer` scheme (any case), never another or none",
        ),
    ),
    "PATH-CONSISTENT": (
        security(
            "refused-elsewhere",
            "user",
            "a token one entry point refuses, every one refuses",
            fix="route every entry point through one verify function with one configuration",
        ),
        security(
            "principal-differs",
            "user",
            "every entry point that accepts names one user, org, role",
            fix="build the principal in one function that every entry point calls",
        ),
    ),
    "KEYS-ISOLATED": (
        security(
            "other-deployment",
            "user",
            "another deployment's token is refused",
            fix="give each instance its own JWKS; never a process-wide key cache",
        ),
        security(
            "same-kid",
            "user",
            "another deployment's token under one of our kids is refused",
            fix="cache keys per JWKS (per instance), never by `kid` alone across instances",
        ),
        security(
            "retired-key",
            "user",
            "a key a rotation dropped is refused by newer instances",
            fix="replace the key set on rotation; never merge old keys into a shared cache",
        ),
        security(
            "rotated-in-place",
            "user",
            "a key the JWKS endpoint dropped is refused once jwks_ttl_s has passed",
            "high",
            fix="cache the fetched JWKS for the deployment's declared TTL at most, then refetch",
        ),
        security(
            "shared-cache",
            "user",
            "deployments sharing a cache backend never accept each other's tokens",
            fix="put the deployment (its issuer or JWKS) in every shared cache key; verify first",
        ),
    ),
    # a Clerk user's profile (email, username, name) is theirs to set: anyone with an account
    # can make their first login's profile claims copy another's
    "IDENTITY-NOT-LINKED": (
        security(
            "linked-to-another",
            "user",
            "a first login matching the profile of a user linked to another never lands on it",
            fix="find users by the Clerk user id (`sub`) alone; never by email, username or name",
        ),
        security(
            "unlinked-match",
            "user",
            "a first login matching an unlinked local account's profile never lands on it",
            "high",
            fix="link a local account to a Clerk user in a verified step of its own, not at login",
        ),
        security(
            "rebound",
            "user",
            "a linked user's login lands on its own account, whoever logged in before",
            fix="never rewrite an account's Clerk link at login: a linked account stays its user's",
        ),
    ),
    "SESSION-TOKENS-ONLY": (
        security(
            "opaque",
            "anyone",
            "an opaque mt_, oat_ or ak_ token never signs in",
            fix="accept only a three-segment session JWT; refuse mt_, oat_ and ak_ tokens",
        ),
        # conditional: only where the instance issues such JWTs with org claims; what the
        # holder gains is a user session beyond the machine's or the OAuth grant's scope
        security(
            "m2m-jwt",
            "user",
            "an M2M JWT the instance's key signed never signs in " + MACHINE_JWTS_CONDITION,
            "high",
            fix="refuse a JWT whose header `cat` is Clerk's M2M category or whose `sub` is mch_...",
        ),
        security(
            "oauth-jwt",
            "user",
            "an OAuth access-token JWT (at+jwt) never signs in " + MACHINE_JWTS_CONDITION,
            "high",
            fix="refuse a JWT whose header `typ` is at+jwt or application/at+jwt (RFC 9068)",
        ),
    ),
    "REQ-NO-SPOOF": (
        security(
            "header",
            "user",
            "no header beside the credential changes who it is",
            fix="build the principal from the verified token alone; ignore X-User-Id and the like",
        ),
        security(
            "cookie",
            "user",
            "no cookie beside the credential changes who it is",
            fix="build the principal from the verified token alone; ignore other cookies",
        ),
        security(
            "param",
            "user",
            "no query or form parameter changes who it is",
            fix="build the principal from the verified token alone; ignore request parameters",
        ),
    ),
}
