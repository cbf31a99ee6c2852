"""SESSION-TOKENS-ONLY: what Clerk issues to machines never signs anyone in, anywhere.

An M2M token put in the ``__session`` cookie once signed in as a ``mch_…`` user (clerk/javascript
PR #9168), and Clerk's Python SDK, configured as its README shows, calls ``ak_``/``mt_``/``oat_``
tokens signed in with no user at all. Each example draws an opaque machine token (``mt_``,
``oat_``, ``ak_``) and a JWT the instance's own key signed for a machine — an M2M token or an
OAuth access token (RFC 9068), half the time with custom claims naming the org — and presents
both through every entry point that accepts a valid session.
"""

from __future__ import annotations

from hypothesis import strategies as st

from reference import Principal
from strategies import draw_session_claims, identities, machine_jwts, machine_tokens
from strategies.ratings import ANYONE, CRITICAL, HIGH, USER

from ..rows import Row
from ..target import Target, describe, mint, violated
from ._common import for_all
from .paths import live_entries, present_at
from .tokens import show

#: The condition of the machine-JWT sub-checks, said in their title and in each finding.
MACHINE_JWTS_CONDITION = (
    "(conditional: where the instance issues M2M or OAuth access tokens as JWTs carrying org "
    "claims)"
)

SESSION_TOKENS_ONLY = Row(
    "SESSION-TOKENS-ONLY",
    CRITICAL,
    "machine and OAuth tokens never sign in, through any entry point",
    (
        "authenticate_token",
        "authenticate_request",
        "callback_subject",
    ),
    any_of=True,
)
OPAQUE = SESSION_TOKENS_ONLY.security(
    "opaque",
    ANYONE,
    "an opaque mt_, oat_ or ak_ token never signs in",
    fix="accept only a three-segment session JWT; refuse mt_, oat_ and ak_ tokens",
)
# conditional: only where the instance issues such JWTs with org claims; what the holder gains
# is a user session beyond the machine's or the OAuth grant's scope
M2M_JWT = SESSION_TOKENS_ONLY.security(
    "m2m-jwt",
    USER,
    "an M2M JWT the instance's key signed never signs in " + MACHINE_JWTS_CONDITION,
    HIGH,
    fix="refuse a JWT whose header `cat` is Clerk's M2M category or whose `sub` is mch_...",
)
OAUTH_JWT = SESSION_TOKENS_ONLY.security(
    "oauth-jwt",
    USER,
    "an OAuth access-token JWT (at+jwt) never signs in " + MACHINE_JWTS_CONDITION,
    HIGH,
    fix="refuse a JWT whose header `typ` is at+jwt or application/at+jwt (RFC 9068)",
)


#: The sub-checks by the kind of token drawn (``strategies.machine_jwts`` names its JWT's).
_BY_KIND = {sub.name: sub for sub in (OPAQUE, M2M_JWT, OAUTH_JWT)}


@st.composite
def _machine_scenes(draw: st.DrawFn, target: Target) -> tuple[list[tuple[str, str]], str]:
    """An opaque machine token and a machine JWT, each as ``(sub-check, token)``, and a valid
    session's token (the control)."""
    settings = target.settings
    kind, jwt_token = draw(machine_jwts(target.keys, settings.org_id, settings.issuer))
    valid = draw_session_claims(draw, draw(identities(org_id=settings.org_id)))
    return [(OPAQUE.name, draw(machine_tokens())), (kind, jwt_token)], mint(target, valid)


@SESSION_TOKENS_ONLY.check
def check_session_tokens_only(target: Target) -> None:
    """Opaque machine tokens, M2M JWTs and OAuth access-token JWTs never authenticate as a
    user, through any entry point."""

    @for_all(scene=_machine_scenes(target))
    def run(scene: tuple[list[tuple[str, str]], str]) -> None:
        tokens, valid = scene
        live = live_entries(SESSION_TOKENS_ONLY.id, target, valid, "a valid session")
        for (kind, token), entry in ((t, e) for t in tokens for e in live):
            sub = _BY_KIND[kind]
            outcome = present_at(SESSION_TOKENS_ONLY.id, target, entry, token)
            if isinstance(outcome, Principal):
                shown = token if sub is OPAQUE else show(token, 400)
                condition = "" if sub is OPAQUE else f" {MACHINE_JWTS_CONDITION}"
                violated(
                    sub,
                    f"a machine's token through {entry[0]} was {describe(outcome)}{condition}: "
                    f"{shown}",
                    table=(("token", shown), ("entry point", entry[0])),
                )

    run()
