"""Identities, and *pairs* of distinct identities built so that a naive key collides.

An identity is who a token names: ``(org_id, user_id)``, plus an optional ``email`` profile
claim. ``None`` for ``org_id`` or ``user_id`` means "the claim is absent" — such an identity
must be rejected, and is used to catch keys that stringify a missing value.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from ._validation import check_choice, check_type
from .draws import pick
from .ids import adversarial_ids, clerk_ids

#: The org the harness's deployments trust, unless a test says otherwise.
TRUSTED_ORG = "org_2vTrustedHarnessOrg0000000"
EMAILS = ("ada@example.com", "grace@example.com", "alan@example.org")


@dataclass(frozen=True)
class ClerkIdentity:
    """Who a token names. ``None`` means the claim is absent."""

    org_id: str | None
    user_id: str | None
    email: str | None = None

    def is_complete(self) -> bool:
        """Both org and user present: the only kind that may ever be accepted."""
        return self.org_id is not None and self.user_id is not None


@functools.cache
def identities(
    *, org_id: str | None = TRUSTED_ORG, adversarial: bool = True
) -> st.SearchStrategy[ClerkIdentity]:
    """Complete identities in ``org_id`` (any org when ``None``), with realistic user ids that
    shrink to ``user_0`` and, when ``adversarial``, hostile ones too. Emails come from a pool of
    three, so distinct users often share one — as real accounts sometimes do.

    >>> identities().example()  # doctest: +SKIP
    ClerkIdentity(org_id='org_2vTrustedHarnessOrg0000000', user_id='user_0', email=None)
    """
    if org_id is not None:
        check_type("org_id", org_id, str)
    return _identities(org_id, adversarial)


_EMAILS: tuple[str | None, ...] = (None, *EMAILS)
_PICKS = {hostile: st.integers(0, len(_EMAILS) * (2 if hostile else 1) - 1) for hostile in (0, 1)}


@st.composite
def _identities(draw: st.DrawFn, org_id: str | None, adversarial: bool) -> ClerkIdentity:
    # One choice picks the email and whether the user id is hostile (half the time, when
    # ``adversarial``); shrinks to a realistic id with no email.
    pick = draw(_PICKS[adversarial])
    hostile, email = divmod(pick, len(_EMAILS))
    org = draw(clerk_ids("org")) if org_id is None else org_id
    user = draw(adversarial_ids("user") if hostile else clerk_ids("user"))
    return ClerkIdentity(org, user, _EMAILS[email])


Session = str | None
NaiveKey = Callable[[ClerkIdentity, Session], str]


def _joined(sep: str) -> NaiveKey:
    return lambda who, sid: f"{who.org_id}{sep}{who.user_id}"


def _normalised(fold: Callable[[str], str]) -> NaiveKey:
    return lambda who, sid: repr((fold(str(who.org_id)), fold(str(who.user_id))))


#: The naive cache keys each confusable pair is built to collide under (name → key function).
NAIVE_KEYS: dict[str, NaiveKey] = {
    "str(sid)": lambda who, sid: str(sid),
    "org:user": _joined(":"),
    "org|user": _joined("|"),
    "org/user": _joined("/"),
    "org:sid:user": lambda who, sid: f"{who.org_id}:{sid}:{who.user_id}",
    "user:sid": lambda who, sid: f"{who.user_id}:{sid}",
    "casefold": _normalised(str.casefold),
    "NFKC": _normalised(lambda s: unicodedata.normalize("NFKC", s)),
    "strip": _normalised(str.strip),
    "C string": _normalised(lambda s: s.split("\x00", 1)[0]),
    "str(None)": _normalised(str),
    "fmt.Sprint(nil)": lambda who, sid: repr(
        tuple("<nil>" if v is None else v for v in (who.org_id, who.user_id))
    ),
    "email": lambda who, sid: str(who.email),
}


@dataclass(frozen=True)
class ConfusablePair:
    """Two distinct logins whose ``naive`` key (a name in ``NAIVE_KEYS``) is equal."""

    first: ClerkIdentity
    second: ClerkIdentity
    sids: tuple[Session, Session]
    naive: str

    def naive_keys(self) -> tuple[str, str]:
        """Both logins under the naive key — equal by construction."""
        key = NAIVE_KEYS[self.naive]
        return key(self.first, self.sids[0]), key(self.second, self.sids[1])


_SIDS = st.none() | clerk_ids("sess")


def _other_user(draw: st.DrawFn, user: str) -> str:
    """A user id other than ``user``."""
    other = draw(clerk_ids("user"))
    return other if other != user else f"{user}0"


@st.composite
def _pairs(draw: st.DrawFn, names: tuple[str, ...], org: str) -> ConfusablePair:
    # A composite, not ``sampled_from(names).flatmap(...)``: no strategy built per draw.
    return _pair(draw, pick(draw, names), org)


def _pair(draw: st.DrawFn, naive: str, org: str) -> ConfusablePair:
    user = draw(clerk_ids("user"))
    sid = draw(_SIDS)
    same_org = ClerkIdentity(org, user)
    if naive == "str(sid)":
        other = _other_user(draw, user)
        return ConfusablePair(same_org, ClerkIdentity(org, other), (None, None), naive)
    if naive in ("org:user", "org|user", "org/user"):
        sep = naive[3]
        head, tail = draw(clerk_ids("user")), draw(clerk_ids("user"))
        moved = ClerkIdentity(f"{org}{sep}{head}", tail)
        return ConfusablePair(ClerkIdentity(org, f"{head}{sep}{tail}"), moved, (sid, sid), naive)
    if naive == "org:sid:user":
        session, head, tail = (
            draw(clerk_ids("sess")),
            draw(clerk_ids("user")),
            draw(clerk_ids("user")),
        )
        first = ClerkIdentity(org, f"{head}:{tail}")
        second = ClerkIdentity(org, tail)
        return ConfusablePair(first, second, (session, f"{session}:{head}"), naive)
    if naive == "user:sid":  # the separator moved from inside the user id into the sid
        session, head, tail = (
            draw(clerk_ids("sess")),
            draw(clerk_ids("user")),
            draw(clerk_ids("user")),
        )
        first, second = ClerkIdentity(org, f"{head}:{tail}"), ClerkIdentity(org, head)
        return ConfusablePair(first, second, (session, f"{tail}:{session}"), naive)
    if naive == "casefold":
        base = draw(clerk_ids("user"))
        variant = base.swapcase()  # the "user" prefix always changes case
        return ConfusablePair(
            ClerkIdentity(org, base), ClerkIdentity(org, variant), (sid, sid), naive
        )
    if naive == "NFKC":
        ch = pick(draw, ["é", "Å", "ñ", "ﬁ", "²"])
        composed = unicodedata.normalize("NFC", f"{user}{ch}")
        decomposed = unicodedata.normalize("NFD", composed)
        if decomposed == composed:  # ligatures and superscripts: compatibility forms instead
            decomposed = unicodedata.normalize("NFKC", composed)
        first, second = ClerkIdentity(org, composed), ClerkIdentity(org, decomposed)
        return ConfusablePair(first, second, (sid, sid), naive)
    if naive == "strip":
        pad = pick(draw, [" ", "\t", "\n", "  "])
        padded = pick(draw, [f"{pad}{user}", f"{user}{pad}", f"{pad}{user}{pad}"])
        return ConfusablePair(same_org, ClerkIdentity(org, padded), (sid, sid), naive)
    if naive == "C string":
        suffix = pick(draw, ["", "x", "\x00", "admin"])
        return ConfusablePair(
            same_org, ClerkIdentity(org, f"{user}\x00{suffix}"), (sid, sid), naive
        )
    if naive in ("str(None)", "fmt.Sprint(nil)"):
        word = "None" if naive == "str(None)" else "<nil>"
        return ConfusablePair(ClerkIdentity(org, word), ClerkIdentity(org, None), (sid, sid), naive)
    email = pick(draw, EMAILS)
    other = _other_user(draw, user)
    first, second = ClerkIdentity(org, user, email), ClerkIdentity(org, other, email)
    return ConfusablePair(first, second, (sid, sid), naive)


@functools.cache
def confusable_identities(
    *, org_id: str = TRUSTED_ORG, naive: str | None = None
) -> st.SearchStrategy[ConfusablePair]:
    """Pairs of distinct logins built so that a naive key (``NAIVE_KEYS``) gives both the same
    cache entry: a separator moved between org and user (or session and user), case-folded
    equal, NFKC-equal, equal once trimmed or cut at NUL, a null-word user against an absent
    one, two sid-less sessions, a shared email. ``naive`` picks one family; ``None`` draws any.

    One side may be unacceptable (a foreign org, an absent user): a correct implementation
    rejects it, and the other side still gets its own identity.

    >>> pair = confusable_identities(naive="casefold").example()  # doctest: +SKIP
    >>> pair.first.user_id, pair.second.user_id  # doctest: +SKIP
    ('user_0', 'USER_0')
    """
    check_type("org_id", org_id, str)
    if naive is not None:
        check_choice("naive", naive, NAIVE_KEYS)
    return _pairs((naive,) if naive is not None else tuple(NAIVE_KEYS), org_id)


__all__ = [
    "EMAILS",
    "NAIVE_KEYS",
    "TRUSTED_ORG",
    "ClerkIdentity",
    "ConfusablePair",
    "confusable_identities",
    "identities",
]
