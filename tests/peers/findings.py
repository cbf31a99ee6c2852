"""The findings of ``docs/findings.md`` as data — one ``Peer`` per audited package, in
``PEERS`` — and the checks that keep them true (``test_peers.py`` runs them for every peer):
each row finds exactly the findings the document lists for it, every other applicable row holds,
and the default gate fails on exactly what it calls vulnerabilities — so a change in the harness
or in a package shows up here."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance import BY_ID, Target
from conformance.audit.run import Gate
from conformance.blackbox.app import AppProfile
from conformance.blackbox.clerk_api import clerk_api
from conformance.findings import HOLDS, INCONCLUSIVE, VIOLATED, Finding, run_row
from conformance.registry import lookup
from strategies import sign
from strategies.attacks import compact_json, jws, signer_of
from strategies.tokens import with_times

#: Neither package has a browser-login callback: the callback rows are not applicable.
NOT_APPLICABLE = frozenset(
    {"CB-RELAYED-FIRST", "CB-FALLBACK-ORDER", "CB-NO-FALLBACK-ON-FAILURE", "CB-SESSION-TOKENS-ONLY"}
)


#: The findings both packages share (docs/findings.md §2.1, 2.5, 2.7 to 2.10, 2.12, 3.4, 3.5):
#: PyJWT's behaviour under both, and the application's claim mapping around both (``_app.py``).
COMMON: dict[str, frozenset[str]] = {
    "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class"}),
    "ID-UNAMBIGUOUS": frozenset({"ID-UNAMBIGUOUS/two-users", "ID-UNAMBIGUOUS/two-orgs"}),
    "ID-SHAPE-INVARIANT": frozenset({"ID-SHAPE-INVARIANT/lower-role"}),
    "ROLE-NO-ESCALATION": frozenset(
        {"ROLE-NO-ESCALATION/admin-only-if-all", "ROLE-NO-ESCALATION/guest-caps"}
    ),
    "SESSION-PENDING": frozenset({"SESSION-PENDING/pending-refused"}),
    "TOKEN-TIME": frozenset(
        {
            "TOKEN-TIME/missing-exp",
            "TOKEN-TIME/unreadable-exp",
            "TOKEN-TIME/unreadable-nbf",
            "TOKEN-TIME/unreadable-iat",
        }
    ),
    "TOKEN-MALFORMED": frozenset(
        {"TOKEN-MALFORMED/huge", "TOKEN-MALFORMED/bad-base64url", "TOKEN-MALFORMED/non-utf8"}
    ),
    "SESSION-TOKENS-ONLY": frozenset(
        {"SESSION-TOKENS-ONLY/m2m-jwt", "SESSION-TOKENS-ONLY/oauth-jwt"}
    ),
}
#: What docs/findings.md calls a vulnerability in either package: all the default gate may fail on.
VULNERABILITIES = frozenset(
    {
        "SESSION-PENDING/pending-refused",
        "SESSION-TOKENS-ONLY/m2m-jwt",
        "SESSION-TOKENS-ONLY/oauth-jwt",
    }
)


def row_findings(target: Target, row: str) -> tuple[str, set[str], set[str], str]:
    """Run ``row`` as the suite does: its status, its own finding IDs, the IDs of other rows'
    findings met while checking it (a crash is TOTAL's), and why it is inconclusive."""
    invariant = BY_ID[row]
    assert invariant.missing(target) == []
    result = run_row(row, lambda: invariant.check(target), lookup)
    own = {f.id for f in result.own}
    met = {f.id for f in result.findings} - own
    return result.status, own, met, result.inconclusive_reason


def assert_findings(target: Target, row: str, expected: Mapping[str, frozenset[str]]) -> None:
    """The row finds exactly what ``docs/findings.md`` lists for it — every finding, not the
    first: a new one fails until it is read and explained there; one that went missing too —
    and it is decided (never inconclusive); what it meets of other rows is listed as theirs."""
    status, own, met, reason = row_findings(target, row)
    assert own == set(expected.get(row, ())), f"{row}: found {sorted(own)}"
    assert status == (VIOLATED if own else HOLDS), f"{row}: {status} — {reason}"
    listed = set().union(*expected.values())
    assert met <= listed, f"{row} met findings docs/findings.md does not list: {met - listed}"


def assert_gate(expected: Mapping[str, frozenset[str]], vulnerabilities: frozenset[str]) -> None:
    """The default gate (``clerk-harness audit`` with no ``--fail-on``) fails on exactly the
    findings ``docs/findings.md`` calls vulnerabilities."""
    gate = Gate()
    gated = {found for ids in expected.values() for found in ids if gate.fails(_declared(found))}
    assert gated == vulnerabilities, sorted(gated)


def _declared(finding_id: str) -> Finding:
    row, _, sub = finding_id.partition("/")
    declared = lookup(row, sub)
    return Finding(row, sub, declared.kind, declared.reach, declared.severity, "", "", None, (),
                   "", "", row)  # fmt: skip


def assert_partition(target: Target, peer: Peer) -> None:
    """Every invariant of the registry is violated, holds, is undecided or is not applicable,
    and the not-applicable ones are exactly what the target lacks methods for — so a new
    invariant, or a change in what an adapter provides, needs the findings updated."""
    seen = [*peer.findings, *peer.holds, *peer.undecided, *NOT_APPLICABLE, *peer.limited]
    assert sorted(seen) == sorted(BY_ID), "each invariant must be in exactly one group"
    assert {id_ for id_, inv in BY_ID.items() if inv.missing(target)} == NOT_APPLICABLE
    if peer.methods is not None:
        assert target.methods == peer.methods and set(target.limits) == peer.limited


def assert_undecided(target: Target, row: str, says: tuple[str, ...]) -> None:
    """``row`` cannot be decided — no finding, never holds — for the reason saying ``says``."""
    status, own, met, reason = row_findings(target, row)
    assert status == INCONCLUSIVE and not own and not met, (status, own, met)
    assert all(words in reason for words in says), reason


def assert_masked_token_findings(target: Target) -> None:
    """The TOKEN-* findings the first counterexample hides, for a PyJWT-based verifier: no
    ``exp`` is accepted; a ``=``-padded signature is the same signature; a signed payload may
    hold UTF-8-encoded surrogates."""
    org, key = target.settings.org_id, target.keys.trusted[0]
    no_exp = sign({"sub": "user_1", "org_id": org, "iat": 1, "nbf": 1}, key, add_times=False)
    assert target.fresh().authenticate_token(no_exp).external_id == "user_1"
    padded = sign({"sub": "user_1", "org_id": org}, key) + "=="
    assert target.fresh().authenticate_token(padded).external_id == "user_1"
    payload = (
        compact_json(with_times({"sub": "user_1", "org_id": org}))[:-1] + b',"n":"\xed\xa0\x80"}'
    )
    surrogate = jws({"alg": "RS256", "kid": key.kid}, payload, signer_of(key))
    assert target.fresh().authenticate_token(surrogate).external_id == "user_1"


# ------------------------------------------------------------------------------- the peers

ROOT = Path(__file__).parents[2]
SERVICES = ROOT / "services"
#: The served shim as the tests start it (``clerk-harness serve``'s script form).
SHIM = ROOT / "tests" / "impls" / "served.py"


@dataclass(frozen=True)
class Peer:
    """One audited package as docs/findings.md reports it: how the harness reaches it
    (``spec``), every finding by row, the rows that hold, what the default gate fails on, and
    what it needs to run here (Python ``modules``, a ``file`` built by ``services/build``, a
    ``program`` on ``PATH``). ``undecided`` rows must be inconclusive, each reason saying the
    given words; ``skipped`` rows are not run here, each for the reason given; ``slow`` rows are
    marked ``slow``; ``methods``: the entry points a served peer must offer; ``app``: the
    service's own route and JSON (``clerk-harness audit --whoami …``); ``limited``: the rows it
    cannot be judged on (``n/a`` with the service's reason); ``fresh_per_row``: each row on new
    processes (a service without a reset keeps what one row taught it); ``clerk_api``: it
    fetches its keys from ``https://api.clerk.com``, served on loopback port 443."""

    name: str
    spec: str
    findings: Mapping[str, frozenset[str]]
    holds: frozenset[str]
    gate: frozenset[str]
    modules: tuple[str, ...] = ()
    file: Path | None = None
    program: str = ""
    undecided: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)
    slow: frozenset[str] = frozenset()
    methods: frozenset[str] | None = None
    app: AppProfile | None = None
    limited: frozenset[str] = frozenset()
    fresh_per_row: bool = False
    clerk_api: bool = False

    @property
    def rows(self) -> list[str]:
        """The rows run: every listed one but the skipped."""
        listed = {*self.findings, *self.holds, *self.undecided}
        return sorted(listed - self.skipped.keys())

    def missing(self) -> str:
        """What this machine lacks to run the peer (``""``: nothing)."""
        for module in self.modules:
            if importlib.util.find_spec(module) is None:
                return f"the {module} package (pip install -e '.[peers]')"
        if self.program and shutil.which(self.program) is None:
            return f"{self.program} on PATH"
        if self.file is not None and not self.file.exists():
            return f"{self.file} (run services/build)"
        if self.clerk_api and clerk_api() is None:
            return "port 443 on loopback for api.clerk.com (root, or a user namespace: unshare -rn)"
        return ""


#: Rows that hold for clerk-backend-api in-process, each of whose examples starts service
#: processes (a seeded user store per example, a crowd of racing first logins): over the wire
#: they are the served reference's to hold (tests/test_served.py), in-process the package's.
STARTS_PROCESSES = {
    "IDENTITY-NOT-LINKED": "held in-process; over the wire, the served reference's to hold",
    "CACHE-CONCURRENT": "held in-process; over the wire, the served reference's to hold",
}
#: The other cache rows judge the adapter's own cache glue — the same code served as in-process,
#: where they hold — through the wire's resets and fresh instances, which the served reference's
#: cache rows judge (tests/test_served.py): each is checked once, the cheaper way.
CHECKED_ELSEWHERE = {
    row: "held in-process; the wire's resets and fresh instances, the served reference's to hold"
    for row in ("CACHE-ISOLATION", "CACHE-KEY-INJECTIVE", "CACHE-NO-POISON", "CACHE-FRESH")
}
#: The claim mapping's findings every SDK audited so far shares (§2.7 to 2.9).
_MAPPING = ("ID-UNAMBIGUOUS", "ID-SHAPE-INVARIANT", "ROLE-NO-ESCALATION")

#: docs/findings.md §2: clerk-backend-api, every finding by row.
CLERK_BACKEND_API = Peer(
    "clerk-backend-api",
    "conformance.adapters.clerk_backend_api:make",
    {
        **COMMON,
        "TOTAL": frozenset({"TOTAL/crash"}),
        "TOKEN-SIGNATURE": frozenset(
            {"TOKEN-SIGNATURE/unknown-kid", "TOKEN-SIGNATURE/missing-kid"}
        ),
        "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/iss-mismatch"}),
        "REQ-AMBIENT-ONLY": frozenset(
            {
                "REQ-AMBIENT-ONLY/cookie-split",
                "REQ-AMBIENT-ONLY/bearer-scheme-case",
                "REQ-AMBIENT-ONLY/decoy-cookie",
                "REQ-AMBIENT-ONLY/later-occurrence",
                "REQ-AMBIENT-ONLY/scheme",
            }
        ),
    },
    frozenset(
        {
            "ID-FAITHFUL",
            "ID-ORG-PINNED",
            "SID-INDEPENDENT",
            "CACHE-ISOLATION",
            "CACHE-KEY-INJECTIVE",
            "CACHE-NO-POISON",
            "CACHE-FRESH",
            "CACHE-CONCURRENT",
            "CB-NO-QUERY",
            "PATH-CONSISTENT",
            "REQ-NO-SPOOF",
            "VALID-ACCEPTED",
            "KEYS-ISOLATED",
            "IDENTITY-NOT-LINKED",
        }
    ),
    VULNERABILITIES,
    modules=("clerk_backend_api", "starlette"),
)
#: Black-box mode adds nothing and hides nothing: the same adapter served over the wire
#: contract makes, row by row, exactly the findings it makes in-process.
CLERK_BACKEND_API_SERVED = Peer(
    "clerk-backend-api served",
    f"serve={sys.executable} {SHIM} {CLERK_BACKEND_API.spec}",
    CLERK_BACKEND_API.findings,
    CLERK_BACKEND_API.holds,
    VULNERABILITIES,
    modules=CLERK_BACKEND_API.modules,
    skipped={**STARTS_PROCESSES, **CHECKED_ELSEWHERE},
    methods=frozenset({"authenticate_request"}),
)
#: docs/findings.md §3: fastapi-clerk-auth. Its cache rows are most of its time (every login
#: is an HTTP request through FastAPI's stack): the sequential ones, and IDENTITY-NOT-LINKED,
#: judge the user store of the adapters' shared glue (``_app.MinimalApp``) behind verification
#: the token rows judge — held by clerk-backend-api's, checked there, the cheaper way;
#: CACHE-CONCURRENT also races the package's own guard, and runs (``-m "not slow"`` leaves it
#: out).
SHARED_GLUE = {
    row: "the adapters' shared user store behind its verification: clerk-backend-api's to hold"
    for row in (
        "CACHE-ISOLATION",
        "CACHE-KEY-INJECTIVE",
        "CACHE-NO-POISON",
        "CACHE-FRESH",
        "IDENTITY-NOT-LINKED",
    )
}
FASTAPI_CLERK_AUTH = Peer(
    "fastapi-clerk-auth",
    "conformance.adapters.fastapi_clerk_auth:make",
    {
        **COMMON,
        "TOKEN-AUDIENCE": frozenset(
            {
                "TOKEN-AUDIENCE/azp-missing",
                "TOKEN-AUDIENCE/azp-unlisted",
                "TOKEN-AUDIENCE/azp-not-a-string",
            }
        ),
        "REQ-AMBIENT-ONLY": frozenset(
            {"REQ-AMBIENT-ONLY/cookie-refused", "REQ-AMBIENT-ONLY/cookie-split"}
        ),
    },
    frozenset(
        {
            "ID-FAITHFUL",
            "ID-ORG-PINNED",
            "SID-INDEPENDENT",
            "TOTAL",
            "CACHE-ISOLATION",
            "CACHE-KEY-INJECTIVE",
            "CACHE-NO-POISON",
            "CACHE-FRESH",
            "CACHE-CONCURRENT",
            "TOKEN-SIGNATURE",
            "CB-NO-QUERY",
            "PATH-CONSISTENT",
            "REQ-NO-SPOOF",
            "VALID-ACCEPTED",
            "KEYS-ISOLATED",
            "IDENTITY-NOT-LINKED",
        }
    ),
    VULNERABILITIES,
    modules=("fastapi_clerk_auth",),
    skipped=SHARED_GLUE,
    slow=frozenset({"CACHE-CONCURRENT"}),
)
#: docs/findings.md §3b: @clerk/express, served by services/clerk-express (npm ci there).
CLERK_EXPRESS = Peer(
    "@clerk/express",
    f"serve=node {SERVICES / 'clerk-express' / 'server.js'}",
    {
        # the claim mapping's, as for the Python packages (§2.7 to 2.9)
        **{row: COMMON[row] for row in ("ID-REQUIRED", *_MAPPING)},
        "TOKEN-SIGNATURE": frozenset(
            {
                "TOKEN-SIGNATURE/unknown-kid",
                "TOKEN-SIGNATURE/missing-kid",
                "TOKEN-SIGNATURE/unknown-crit",
            }
        ),
        "TOTAL": frozenset({"TOTAL/crash", "TOTAL/v2-claims"}),
        "TOKEN-TIME": frozenset(
            {"TOKEN-TIME/huge-exp", "TOKEN-TIME/huge-nbf", "TOKEN-TIME/huge-iat"}
        ),
        "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/iss-mismatch"}),
        "TOKEN-MALFORMED": frozenset(
            {
                "TOKEN-MALFORMED/deeply-nested",
                "TOKEN-MALFORMED/bad-base64url",
                "TOKEN-MALFORMED/non-utf8",
                "TOKEN-MALFORMED/error-class",
            }
        ),
        "REQ-AMBIENT-ONLY": frozenset(
            {
                "REQ-AMBIENT-ONLY/bearer-scheme-case",
                "REQ-AMBIENT-ONLY/lower-precedence",
                "REQ-AMBIENT-ONLY/scheme",
            }
        ),
    },
    frozenset(
        {
            "ID-FAITHFUL",
            "ID-ORG-PINNED",
            "SESSION-PENDING",
            "SID-INDEPENDENT",
            "CACHE-ISOLATION",
            "CACHE-KEY-INJECTIVE",
            "CACHE-NO-POISON",
            "CACHE-FRESH",
            "CACHE-CONCURRENT",
            "CB-NO-QUERY",
            "PATH-CONSISTENT",
            "KEYS-ISOLATED",
            "IDENTITY-NOT-LINKED",
            "SESSION-TOKENS-ONLY",
            "REQ-NO-SPOOF",
            "VALID-ACCEPTED",
        }
    ),
    frozenset(),
    program="node",
    file=SERVICES / "clerk-express" / "node_modules",
    methods=frozenset({"authenticate_request"}),
)
#: docs/findings.md §3c: github.com/clerk/clerk-sdk-go/v2, served by services/clerk-sdk-go.
#: Its middleware reads only ``Authorization: Bearer``: the cookie refuses a valid session, so
#: PATH-CONSISTENT has one entry point to compare with nothing — undecided, never holds.
CLERK_SDK_GO = Peer(
    "clerk-sdk-go",
    f"serve={SERVICES / 'clerk-sdk-go' / 'bin' / 'clerk-sdk-go'}",
    {
        **{row: COMMON[row] for row in _MAPPING},
        "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class"}),
        "SESSION-PENDING": frozenset({"SESSION-PENDING/pending-refused"}),
        "TOKEN-SIGNATURE": frozenset(
            {
                "TOKEN-SIGNATURE/unknown-kid",
                "TOKEN-SIGNATURE/missing-kid",
                "TOKEN-SIGNATURE/reencoded-segment",
            }
        ),
        "TOKEN-TIME": frozenset(
            {
                "TOKEN-TIME/exp-boundary",
                "TOKEN-TIME/huge-nbf",
                "TOKEN-TIME/huge-iat",
                "TOKEN-TIME/missing-exp",
            }
        ),
        "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/azp-missing", "TOKEN-AUDIENCE/iss-mismatch"}),
        "TOKEN-MALFORMED": frozenset(
            {
                "TOKEN-MALFORMED/bad-base64url",
                "TOKEN-MALFORMED/deeply-nested",
                "TOKEN-MALFORMED/non-utf8",
                "TOKEN-MALFORMED/whitespace",
            }
        ),
        "REQ-AMBIENT-ONLY": frozenset(
            {
                "REQ-AMBIENT-ONLY/bearer-scheme-case",
                "REQ-AMBIENT-ONLY/cookie-refused",
                "REQ-AMBIENT-ONLY/cookie-split",
                "REQ-AMBIENT-ONLY/scheme",
            }
        ),
        "SESSION-TOKENS-ONLY": frozenset(
            {"SESSION-TOKENS-ONLY/m2m-jwt", "SESSION-TOKENS-ONLY/oauth-jwt"}
        ),
    },
    frozenset(
        {
            "ID-FAITHFUL",
            "ID-ORG-PINNED",
            "SID-INDEPENDENT",
            "TOTAL",
            "CACHE-ISOLATION",
            "CACHE-KEY-INJECTIVE",
            "CACHE-NO-POISON",
            "CACHE-FRESH",
            "CACHE-CONCURRENT",
            "CB-NO-QUERY",
            "KEYS-ISOLATED",
            "IDENTITY-NOT-LINKED",
            "REQ-NO-SPOOF",
            "VALID-ACCEPTED",
        }
    ),
    VULNERABILITIES,
    file=SERVICES / "clerk-sdk-go" / "bin" / "clerk-sdk-go",
    undecided={"PATH-CONSISTENT": ("through 2 entry point(s)", "signed_out")},
    methods=frozenset({"authenticate_request"}),
)
#: The quickstart apps' ``GET /me`` (each answers Clerk's ``userId``, ``orgId``, ``orgRole`` and
#: ``sessionId``), and their org roles as the principal's.
ME = (
    {"user_id": "userId", "org_id": "orgId", "role": "orgRole", "session_id": "sessionId"},
    {"org:admin": "admin", "org:member": "viewer"},
)
#: docs/findings.md §3e: an Express app as Clerk's quickstart writes it, audited unchanged —
#: started on the harness's port, its clock preloaded (libfaketime), its keys fetched from the
#: harness's API with the secret key, its own ``GET /me`` mapped to the principal; the fixed
#: settings of ``clerkMiddleware()``'s defaults declared (a 5 s skew, a 5 min JWKS cache).
EXPRESS_QUICKSTART = Peer(
    "express quickstart",
    f"serve=PORT=$CLERK_HARNESS_PORT node {SERVICES / 'express-quickstart' / 'server.js'}",
    {
        # the app pins no organization (the quickstart leaves orgs to the app): one root
        "ID-FAITHFUL": frozenset({"ID-FAITHFUL/org-configured", "ID-FAITHFUL/org-from-token"}),
        "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class", "ID-REQUIRED/missing-org"}),
        "ID-ORG-PINNED": frozenset({"ID-ORG-PINNED/foreign-org"}),
        # the SDK's, as for the pinned-key service (§3b)
        **{row: CLERK_EXPRESS.findings[row] for row in _MAPPING},
        "TOTAL": frozenset({"TOTAL/crash", "TOTAL/v2-claims"}),
        "TOKEN-SIGNATURE": frozenset({"TOKEN-SIGNATURE/unknown-crit"}),
        "TOKEN-TIME": CLERK_EXPRESS.findings["TOKEN-TIME"],
        "TOKEN-MALFORMED": CLERK_EXPRESS.findings["TOKEN-MALFORMED"],
        "REQ-AMBIENT-ONLY": CLERK_EXPRESS.findings["REQ-AMBIENT-ONLY"],
        # no authorizedParties (the quickstart passes none): azp is not checked
        "TOKEN-AUDIENCE": frozenset(
            {
                "TOKEN-AUDIENCE/azp-missing",
                "TOKEN-AUDIENCE/azp-not-a-string",
                "TOKEN-AUDIENCE/azp-unlisted",
                "TOKEN-AUDIENCE/iss-mismatch",
            }
        ),
        # the networked configuration: every unknown kid is a fetch of Clerk's API
        "KEYS-ISOLATED": frozenset({"KEYS-ISOLATED/unknown-kid-fetch"}),
    },
    frozenset(
        {
            "SESSION-PENDING",
            "SID-INDEPENDENT",
            "CB-NO-QUERY",
            "PATH-CONSISTENT",
            "SESSION-TOKENS-ONLY",
            "VALID-ACCEPTED",
            "REQ-NO-SPOOF",
        }
    ),
    frozenset(
        {
            "ID-FAITHFUL/org-configured",
            "ID-FAITHFUL/org-from-token",
            "ID-REQUIRED/missing-org",
            "ID-ORG-PINNED/foreign-org",
        }
    ),
    program="node",
    file=SERVICES / "express-quickstart" / "node_modules",
    methods=frozenset({"authenticate_request"}),
    app=AppProfile(
        "/me",
        *ME,
        {"fixed": {"leeway_s": 5, "jwks_ttl_s": 300}},
    ),
    limited=frozenset(
        {"CACHE-ISOLATION", "CACHE-KEY-INJECTIVE", "CACHE-NO-POISON", "CACHE-FRESH"}
        | {"CACHE-CONCURRENT", "IDENTITY-NOT-LINKED"}
    ),
    fresh_per_row=True,
)

#: docs/findings.md §3f: a FastAPI app as Clerk's Python guide writes it, audited unchanged —
#: uvicorn on the harness's port, its clock preloaded, networkless (``CLERK_JWT_KEY``, as the
#: guide reads it), its own ``GET /me`` mapped to the principal; what the guide fixes in code
#: declared (its front end as the one authorized party, the SDK's 5 s skew).
FASTAPI_QUICKSTART = Peer(
    "fastapi quickstart",
    'serve=CLERK_JWT_KEY="$CLERK_HARNESS_JWT_KEY" '
    f"{SERVICES / 'fastapi-quickstart' / '.venv' / 'bin' / 'uvicorn'} "
    f"--app-dir {SERVICES / 'fastapi-quickstart'} app:app --port $CLERK_HARNESS_PORT",
    {
        # the app pins no organization, as the Express quickstart (§3e)
        "ID-FAITHFUL": EXPRESS_QUICKSTART.findings["ID-FAITHFUL"],
        "ID-ORG-PINNED": EXPRESS_QUICKSTART.findings["ID-ORG-PINNED"],
        # every refusal a 500: HTTPException(detail=state.reason), an enum JSON cannot encode
        "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class", "ID-REQUIRED/missing-org"}),
        "TOTAL": frozenset({"TOTAL/crash", "TOTAL/request-layer"}),
        "TOKEN-MALFORMED": frozenset(
            {
                "TOKEN-MALFORMED/bad-base64url",
                "TOKEN-MALFORMED/non-utf8",
                "TOKEN-MALFORMED/error-class",
            }
        ),
        "REQ-AMBIENT-ONLY": CLERK_BACKEND_API.findings["REQ-AMBIENT-ONLY"]
        | {"REQ-AMBIENT-ONLY/error-class"},
        # the SDK's, as in-process (§2)
        **{row: COMMON[row] for row in _MAPPING},
        "SESSION-PENDING": COMMON["SESSION-PENDING"],
        "TOKEN-TIME": COMMON["TOKEN-TIME"],
        "TOKEN-SIGNATURE": CLERK_BACKEND_API.findings["TOKEN-SIGNATURE"],
        "TOKEN-AUDIENCE": CLERK_BACKEND_API.findings["TOKEN-AUDIENCE"],
    },
    frozenset(
        {
            "SID-INDEPENDENT",
            "CB-NO-QUERY",
            "PATH-CONSISTENT",
            "SESSION-TOKENS-ONLY",
            "VALID-ACCEPTED",
            "REQ-NO-SPOOF",
            "KEYS-ISOLATED",
        }
    ),
    EXPRESS_QUICKSTART.gate | {"SESSION-PENDING/pending-refused"},
    file=SERVICES / "fastapi-quickstart" / ".venv" / "bin" / "uvicorn",
    methods=frozenset({"authenticate_request"}),
    app=AppProfile(
        "/me",
        *ME,
        {"fixed": {"leeway_s": 5, "authorized_parties": ["http://localhost:3000"]}},
    ),
    limited=EXPRESS_QUICKSTART.limited,
    fresh_per_row=True,
)

#: docs/findings.md §3g: a JVM service on Clerk's Java SDK as its README writes request
#: authentication, audited unchanged — networked: the SDK fetches https://api.clerk.com/v1/jwks,
#: which the harness serves on loopback (``clerk_api``: JAVA_TOOL_OPTIONS names its host file
#: and trust store); its clock preloaded; its own ``GET /me`` mapped to the principal; what the
#: SDK and the app fix declared (a 5 s skew, a 5 min JWKS cache, the app's front end). Each
#: instance is a JVM of its own: ``-XX:TieredStopAtLevel=1`` (the JIT's first tier alone) starts
#: each a third faster, and changes nothing the app does.
JAVA_QUICKSTART = Peer(
    "java quickstart",
    "serve=PORT=$CLERK_HARNESS_PORT java -XX:TieredStopAtLevel=1 "
    f"-Dsun.net.httpserver.nodelay=true -jar {SERVICES / 'java-quickstart' / 'target' / 'app.jar'}",
    {
        # the app pins no organization, as the Express quickstart (§3e)
        "ID-FAITHFUL": EXPRESS_QUICKSTART.findings["ID-FAITHFUL"],
        "ID-ORG-PINNED": EXPRESS_QUICKSTART.findings["ID-ORG-PINNED"],
        "ID-REQUIRED": frozenset({"ID-REQUIRED/error-class", "ID-REQUIRED/missing-org"}),
        **{row: COMMON[row] for row in _MAPPING},
        "SESSION-PENDING": COMMON["SESSION-PENDING"],
        "SESSION-TOKENS-ONLY": COMMON["SESSION-TOKENS-ONLY"],
        # the SDK's own, over its networked path
        "TOTAL": frozenset({"TOTAL/crash", "TOTAL/request-layer", "TOTAL/v2-claims"}),
        "VALID-ACCEPTED": frozenset({"VALID-ACCEPTED/v2"}),
        "TOKEN-SIGNATURE": frozenset({"TOKEN-SIGNATURE/other-algorithm"}),
        "TOKEN-TIME": COMMON["TOKEN-TIME"]
        | {"TOKEN-TIME/huge-iat", "TOKEN-TIME/huge-nbf", "TOKEN-TIME/exp-boundary"},
        "TOKEN-AUDIENCE": frozenset({"TOKEN-AUDIENCE/azp-missing", "TOKEN-AUDIENCE/iss-mismatch"}),
        "TOKEN-MALFORMED": frozenset(
            {
                "TOKEN-MALFORMED/bad-base64url",
                "TOKEN-MALFORMED/non-utf8",
                "TOKEN-MALFORMED/whitespace",
                "TOKEN-MALFORMED/error-class",
            }
        ),
        "REQ-AMBIENT-ONLY": frozenset(
            {
                "REQ-AMBIENT-ONLY/bearer-scheme-case",
                "REQ-AMBIENT-ONLY/cookie-split",
                "REQ-AMBIENT-ONLY/decoy-cookie",
                "REQ-AMBIENT-ONLY/scheme",
            }
        ),
        # the networked configuration: every unknown kid is a fetch of Clerk's API
        "KEYS-ISOLATED": frozenset({"KEYS-ISOLATED/unknown-kid-fetch"}),
    },
    frozenset({"SID-INDEPENDENT", "CB-NO-QUERY", "PATH-CONSISTENT", "REQ-NO-SPOOF"}),
    EXPRESS_QUICKSTART.gate | VULNERABILITIES,
    program="java",
    file=SERVICES / "java-quickstart" / "target" / "app.jar",
    methods=frozenset({"authenticate_request"}),
    app=AppProfile(
        "/me",
        *ME,
        {
            "fixed": {
                "leeway_s": 5,
                "jwks_ttl_s": 300,
                "authorized_parties": ["http://localhost:3000"],
            }
        },
    ),
    limited=EXPRESS_QUICKSTART.limited,
    fresh_per_row=True,
    clerk_api=True,
)

PEERS = (
    CLERK_BACKEND_API,
    CLERK_BACKEND_API_SERVED,
    FASTAPI_CLERK_AUTH,
    CLERK_EXPRESS,
    CLERK_SDK_GO,
    EXPRESS_QUICKSTART,
    FASTAPI_QUICKSTART,
    JAVA_QUICKSTART,
)
