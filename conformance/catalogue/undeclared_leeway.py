"""``fixed_leeway`` without its declaration: a clock skew fixed at 5 s, whatever the deployment
configures, and nothing said. A deployment configured with no leeway still accepts a token up to
5 s past its ``exp`` (or before its ``nbf``/``iat``); one configured with 30 s refuses a token
20 s past it. What the harness cannot be told it must catch: each is a finding."""

from __future__ import annotations

from dataclasses import replace

from reference import ReferenceAuthenticator, Settings

VIOLATES = frozenset(
    {
        "TOKEN-TIME/expired",
        "TOKEN-TIME/not-yet-valid",
        "TOKEN-TIME/issued-in-future",
        "TOKEN-TIME/within-leeway",
    }
)

LEEWAY_S = 5


def make(settings: Settings) -> ReferenceAuthenticator:
    return ReferenceAuthenticator(replace(settings, leeway_s=LEEWAY_S))
