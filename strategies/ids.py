"""Clerk-style identifiers: realistic ones that shrink to ``user_0``, and adversarial ones."""

from __future__ import annotations

import functools
import unicodedata
from typing import Literal

from hypothesis import strategies as st

from ._validation import check_choice

#: Clerk id prefixes: users, orgs, sessions; machines, M2M tokens, OAuth tokens and clients.
ID_KINDS = ("user", "org", "sess", "mch", "mt", "oat", "oac")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: Strings that a stringified null becomes in some language (Python, Go, JSON, JavaScript).
NULL_WORDS = ("None", "<nil>", "null", "undefined", "nil", "NULL")
#: Separators that naive string keys put between org, session and user.
SEPARATORS = (":", "|", "/", "\x00", " ", "-", "_", ".")


@functools.cache
def clerk_ids(kind: str = "user") -> st.SearchStrategy[str]:
    """Realistic Clerk ids such as ``user_2NNEqL2nrIRdJ194ndJqAHwEfxC``; shrink to ``user_0``.

    >>> clerk_ids("org").example()  # doctest: +SKIP
    'org_2aK9'
    """
    check_choice("kind", kind, ID_KINDS)
    return st.text(BASE62, min_size=1, max_size=27).map(lambda tail: f"{kind}_{tail}")


#: What ``adversarial_ids`` bends ids with.
ACCENTS = ("é", "ñ", "Å", "ﬁ", "\uff35", "ǅ", "ß", "İ")
NORMAL_FORMS: tuple[Literal["NFC", "NFD", "NFKC", "NFKD"], ...] = ("NFC", "NFD", "NFKC", "NFKD")
PADS = (" ", "\t", "\n", "\u00a0", "\u200b", "\x00")
_WAYS = 7
_PARAMETERS = 672  # a multiple of each way's count of variants: 6, 8, 32 and 42
_ADVERSARIAL_PICKS = st.integers(0, _WAYS * _PARAMETERS - 1)
_LENGTHS = st.integers(1, 4096)
_ANY_TEXT = st.text(min_size=1, max_size=40)


@functools.cache
def adversarial_ids(kind: str = "user") -> st.SearchStrategy[str]:
    """Non-empty ids built to break naive handling: separators, NUL, whitespace, case and Unicode
    variants, null-words (``"None"``, ``"<nil>"``, ``"null"``, ``"undefined"``), very long ids.

    Every value is a *usable* id (a non-empty string): an implementation must accept it as is.
    """
    check_choice("kind", kind, ID_KINDS)
    return _adversarial_ids(kind)


@st.composite
def _adversarial_ids(draw: st.DrawFn, kind: str) -> str:
    # One choice picks the way and its variant (Hypothesis's cost grows with the choices an
    # example makes); shrinks to "None".
    way, variant = divmod(draw(_ADVERSARIAL_PICKS), _PARAMETERS)
    if way == 0:
        return NULL_WORDS[variant % len(NULL_WORDS)]
    if way == 6:
        return draw(_ANY_TEXT)
    if way == 5:
        return f"{kind}_" + "A" * draw(_LENGTHS)
    base = draw(clerk_ids(kind))
    if way == 1:
        return f"{base}{SEPARATORS[variant % len(SEPARATORS)]}{draw(clerk_ids(kind))}"
    if way == 2:
        return base.swapcase()  # the prefix always changes case
    if way == 3:
        accent, form = divmod(variant % (len(ACCENTS) * len(NORMAL_FORMS)), len(NORMAL_FORMS))
        return unicodedata.normalize(NORMAL_FORMS[form], f"{base}{ACCENTS[accent]}")
    pad, end = divmod(variant % (len(PADS) * (len(PADS) + 1)), len(PADS) + 1)
    return f"{PADS[pad]}{base}{(*PADS, '')[end]}"


@functools.cache
def any_ids(kind: str = "user") -> st.SearchStrategy[str]:
    """Realistic ids mostly, adversarial ones often; shrinks to the realistic."""
    return st.one_of(clerk_ids(kind), adversarial_ids(kind))
