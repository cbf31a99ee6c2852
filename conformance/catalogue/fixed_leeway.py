"""Correct but strict: its clock skew is a fixed 5 s, which it cannot be configured to change —
as a package whose verifier hard-codes its leeway (one of issue 23's four: its adapter could not
take a leeway), and it says so: ``make.fixed = {"leeway_s": 5}``. Judged at that leeway, it
holds every row; configured with another and judged by it, it would be found refusing tokens
inside a wider leeway and accepting ones a narrower leeway refuses — false verdicts
(``undeclared_leeway`` is the same code without the declaration)."""

from __future__ import annotations

from dataclasses import replace

from reference import ReferenceAuthenticator, Settings

VIOLATES: frozenset[str] = frozenset()
STRICT = "a fixed 5 s leeway, declared"

LEEWAY_S = 5


def make(settings: Settings) -> ReferenceAuthenticator:
    return ReferenceAuthenticator(replace(settings, leeway_s=LEEWAY_S))


make.fixed = {"leeway_s": LEEWAY_S}  # type: ignore[attr-defined]
