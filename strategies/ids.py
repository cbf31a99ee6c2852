"""Clerk-style identifiers: realistic ones that shrink to ``user_0``, and adversarial ones."""

from __future__ import annotations

import functools
import unicodedata

from hypothesis import strategies as st

from ._validation import check_choice

ID_KINDS = ("user", "org", "sess")
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


@functools.cache
def _with_separator(kind: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, sep, b: f"{a}{sep}{b}",
        clerk_ids(kind),
        st.sampled_from(SEPARATORS),
        clerk_ids(kind),
    )


@functools.cache
def _case_variant(kind: str) -> st.SearchStrategy[str]:
    return clerk_ids(kind).map(str.swapcase)  # the prefix always changes case


@functools.cache
def _unicode_variant(kind: str) -> st.SearchStrategy[str]:
    accented = st.sampled_from(["é", "ñ", "Å", "ﬁ", "\uff35", "ǅ", "ß", "İ"])
    form = st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"])
    return st.builds(
        lambda base, ch, nf: unicodedata.normalize(nf, f"{base}{ch}"),
        clerk_ids(kind),
        accented,
        form,
    )


@functools.cache
def _padded(kind: str) -> st.SearchStrategy[str]:
    pads = st.sampled_from([" ", "\t", "\n", "\u00a0", "\u200b", "\x00"])
    return st.builds(
        lambda pad, s, end: f"{pad}{s}{end}", pads, clerk_ids(kind), pads | st.just("")
    )


@functools.cache
def adversarial_ids(kind: str = "user") -> st.SearchStrategy[str]:
    """Non-empty ids built to break naive handling: separators, NUL, whitespace, case and Unicode
    variants, null-words (``"None"``, ``"<nil>"``, ``"null"``, ``"undefined"``), very long ids.

    Every value is a *usable* id (a non-empty string): an implementation must accept it as is.
    """
    check_choice("kind", kind, ID_KINDS)
    return st.one_of(
        st.sampled_from(NULL_WORDS),
        _with_separator(kind),
        _case_variant(kind),
        _unicode_variant(kind),
        _padded(kind),
        st.integers(1, 4096).map(lambda n: f"{kind}_" + "A" * n),
        st.text(min_size=1, max_size=40),
    )


@functools.cache
def any_ids(kind: str = "user") -> st.SearchStrategy[str]:
    """Realistic ids mostly, adversarial ones often; shrinks to the realistic."""
    return st.one_of(clerk_ids(kind), adversarial_ids(kind))
